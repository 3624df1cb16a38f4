/* Entry stubs for all 256 IDT vectors. Every gate switches to an IST stack (gdt.h), so the
 * CPU has pushed ss, rsp, rflags, cs, rip (and for some exceptions an error code) on a
 * fresh, 16-byte aligned stack. Each stub makes the frame uniform (error code or 0, then
 * the vector) and jumps to interrupt_common, which saves the general registers and the
 * x87/SSE state and calls interrupt_dispatch(InterruptFrame*). The frame layout is
 * arch::InterruptFrame (interrupt_frame.h); the offsets below are checked there. */

#define FRAME_SIZE_FXSAVE 512
#define FRAME_RBP 576
#define FRAME_RIP 648
/* Per-CPU fields (sched's Cpu, checked in sched/scheduler_state.h) and selectors (gdt.h). */
#define CPU_SYSTEM_CALL_STACK 40
#define CPU_PROGRAM_RSP 48
#define KERNEL_CODE_SELECTOR 0x08
#define KERNEL_DATA_SELECTOR 0x10
#define SYSTEM_CALL_VECTOR 0x100        /* arch::kSystemCallVector: no IDT vector has it */

/* Exceptions for which the CPU pushes an error code (Intel SDM vol. 3A §6.15, table 6-1):
 * #DF 8, #TS 10, #NP 11, #SS 12, #GP 13, #PF 14, #AC 17, #CP 21, #VC 29, #SX 30. */
.macro INTERRUPT_STUB vector
    /* Stub v starts at interrupt_stubs + 16 * v; the assembler refuses to move .org
     * backwards, so a stub longer than 16 bytes is a build error. */
    .org interrupt_stubs + 16 * \vector, 0xcc
    .if !((\vector == 8) || (\vector >= 10 && \vector <= 14) || (\vector == 17) || (\vector == 21) || (\vector == 29) || (\vector == 30))
    pushq $0
    .endif
    pushq $\vector
    .byte 0xe9                          /* jmp rel32: fixed size, so no relaxation */
    .long interrupt_common - (. + 4)
.endm

.section .text
/* 256 stubs, 16 bytes apart: the stub for vector v is at interrupt_stubs + 16 * v. */
.balign 16
.global interrupt_stubs
interrupt_stubs:
.set vector, 0
.rept 256
    INTERRUPT_STUB vector
    .set vector, vector + 1
.endr
.org interrupt_stubs + 16 * 256, 0xcc

/* Saves the interrupted code's general registers and x87/SSE state below the five-word
 * hardware frame, error code and vector already on the stack, completing an
 * arch::InterruptFrame, and calls `handler`(frame) with a frame record above it. */
.macro SAVE_FRAME_AND_CALL handler
    pushq %rax
    pushq %rbx
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %rbp
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    cld                                 /* the interrupted code may have DF set */
    subq $FRAME_SIZE_FXSAVE, %rsp       /* still 16-byte aligned: 22 qwords above */
    fxsave64 (%rsp)
    fninit                              /* the handler gets default x87 and SSE modes */
    ldmxcsr kernel_mxcsr(%rip)
    movq %rsp, %rdi
    /* A frame record {interrupted rbp, interrupted rip}, so that a backtrace taken inside
     * a handler continues into the interrupted code. */
    pushq FRAME_RIP(%rdi)
    pushq FRAME_RBP(%rdi)
    movq %rsp, %rbp
    call \handler
    addq $16, %rsp
.endm

/* Resumes the code an arch::InterruptFrame at %rsp describes, with every register as the
 * frame holds it (a handler may have changed them). */
.macro RESTORE_FRAME_AND_RETURN
    fxrstor64 (%rsp)
    addq $FRAME_SIZE_FXSAVE, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rbp
    popq %rdi
    popq %rsi
    popq %rdx
    popq %rcx
    popq %rbx
    popq %rax
    addq $16, %rsp                      /* vector and error code */
    iretq
.endm

interrupt_common:
    SAVE_FRAME_AND_CALL interrupt_dispatch
    RESTORE_FRAME_AND_RETURN

/* The `syscall` instruction (kernel/arch/x86_64/system_call_instruction.h). The CPU left
 * the return address in %rcx and the flags in %r11, cleared IF (IA32_FMASK), and kept
 * the program's stack, whose red zone must not be touched: the first two instructions move
 * to this thread's system-call stack (per-CPU fields behind %gs, see sched's Cpu), then
 * the stub builds the same frame an interrupt gets, so the handler may change any register
 * and the return is an iretq, as from an interrupt. */
.global system_call_entry
.type system_call_entry, @function
system_call_entry:
    movq %rsp, %gs:CPU_PROGRAM_RSP
    movq %gs:CPU_SYSTEM_CALL_STACK, %rsp
    pushq $KERNEL_DATA_SELECTOR         /* ss */
    pushq %gs:CPU_PROGRAM_RSP           /* rsp */
    pushq %r11                          /* rflags */
    pushq $KERNEL_CODE_SELECTOR         /* cs */
    pushq %rcx                          /* rip: the instruction after the syscall */
    pushq $0                            /* error code */
    pushq $SYSTEM_CALL_VECTOR
    SAVE_FRAME_AND_CALL system_call_dispatch
    RESTORE_FRAME_AND_RETURN
.size system_call_entry, . - system_call_entry

.section .rodata
.balign 4
kernel_mxcsr:
    .long 0x1f80                        /* all SSE exceptions masked, round to nearest */
