/* Assembly parts of the CPU tests (kernel/debug/cpu_ktest.cpp). */

/* void ktest_fault_with_bad_frame_pointer(void): what application code built without
 * frame pointers looks like to the backtrace: %rbp holds data, not a frame record. Then a
 * write to an unmapped address. Does not return. */
.section .text
.global ktest_fault_with_bad_frame_pointer
.type ktest_fault_with_bad_frame_pointer, @function
ktest_fault_with_bad_frame_pointer:
    movabs $0x00007fff00001234, %rbp    /* canonical, unmapped */
    movabs $0x00007fffdead0000, %rax
    movq $1, (%rax)
    ud2
.size ktest_fault_with_bad_frame_pointer, . - ktest_fault_with_bad_frame_pointer

/* uint64_t ktest_interrupt_round_trip(uint64_t which):
 * Puts known values in the red zone (the 128 bytes below %rsp, System V ABI x86-64
 * §3.2.2), in every general register, in xmm0-15, in MXCSR and in DF; raises interrupt
 * `which` (0: int $0x40, 1: int3, 2: int $0xfe); returns how many of them changed. */

#define PATTERN(n) (0x5ed20e0000000000 + (n))

/* Frame slots above %rsp (the red zone below it must stay untouched until checked). */
#define SAVED_MXCSR 0
#define STASH_RAX 8
#define STASH_RCX 16
#define SAVED_RDI 24
#define ERRORS 32
#define MXCSR_AFTER 40
#define FRAME 64

.macro CHECK reg, n
    movabs $PATTERN(\n), %rax
    cmp %rax, \reg
    je 1f
    incq ERRORS(%rsp)
1:
.endm

.macro CHECK_XMM reg, n
    pcmpeqb xmm_patterns + 16 * \n(%rip), \reg
    pmovmskb \reg, %ecx
    cmp $0xffff, %ecx
    je 1f
    incq ERRORS(%rsp)
1:
.endm

.section .text
.global ktest_interrupt_round_trip
.type ktest_interrupt_round_trip, @function
ktest_interrupt_round_trip:
    push %rbp
    mov %rsp, %rbp
    push %rbx
    push %r12
    push %r13
    push %r14
    push %r15
    sub $FRAME, %rsp
    stmxcsr SAVED_MXCSR(%rsp)
    mov %rdi, SAVED_RDI(%rsp)
    movq $0, ERRORS(%rsp)

    movabs $PATTERN(100), %rax
    xor %ecx, %ecx
2:  lea (%rax, %rcx), %rdx
    mov %rdx, -128(%rsp, %rcx, 8)
    inc %ecx
    cmp $16, %ecx
    jne 2b

    .irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    movdqa xmm_patterns + 16 * \n(%rip), %xmm\n
    .endr
    ldmxcsr test_mxcsr(%rip)
    movabs $PATTERN(1), %rax
    movabs $PATTERN(2), %rbx
    movabs $PATTERN(3), %rcx
    movabs $PATTERN(4), %rdx
    movabs $PATTERN(5), %rsi
    movabs $PATTERN(8), %r8
    movabs $PATTERN(9), %r9
    movabs $PATTERN(10), %r10
    movabs $PATTERN(11), %r11
    movabs $PATTERN(12), %r12
    movabs $PATTERN(13), %r13
    movabs $PATTERN(14), %r14
    movabs $PATTERN(15), %r15
    std
    cmp $0, %rdi
    jne 3f
    int $0x40
    jmp 5f
3:  cmp $1, %rdi
    jne 4f
    int3
    jmp 5f
4:  int $0xfe
5:
    mov %rax, STASH_RAX(%rsp)
    mov %rcx, STASH_RCX(%rsp)
    xor %ecx, %ecx                      /* the red zone, before anything is pushed */
10: movabs $PATTERN(100), %rax
    add %rcx, %rax
    cmp %rax, -128(%rsp, %rcx, 8)
    je 11f
    incq ERRORS(%rsp)
11: inc %ecx
    cmp $16, %ecx
    jne 10b
    pushfq                              /* DF */
    popq %rax
    cld
    bt $10, %rax
    jc 6f
    incq ERRORS(%rsp)
6:  stmxcsr MXCSR_AFTER(%rsp)
    mov test_mxcsr(%rip), %eax
    cmp MXCSR_AFTER(%rsp), %eax
    je 7f
    incq ERRORS(%rsp)
7:
    CHECK STASH_RAX(%rsp), 1
    CHECK STASH_RCX(%rsp), 3
    CHECK %rbx, 2
    CHECK %rdx, 4
    CHECK %rsi, 5
    CHECK %r8, 8
    CHECK %r9, 9
    CHECK %r10, 10
    CHECK %r11, 11
    CHECK %r12, 12
    CHECK %r13, 13
    CHECK %r14, 14
    CHECK %r15, 15
    cmp SAVED_RDI(%rsp), %rdi
    je 8f
    incq ERRORS(%rsp)
8:  lea FRAME + 40(%rsp), %rax
    cmp %rax, %rbp
    je 9f
    incq ERRORS(%rsp)
9:
    .irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    CHECK_XMM %xmm\n, \n
    .endr
    ldmxcsr SAVED_MXCSR(%rsp)
    mov ERRORS(%rsp), %rax
    add $FRAME, %rsp
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbx
    pop %rbp
    ret
.size ktest_interrupt_round_trip, . - ktest_interrupt_round_trip

.section .rodata
.balign 16
xmm_patterns:
    .irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    .quad 0x0123456789abcd00 + \n, 0xfedcba9876543200 + \n
    .endr
test_mxcsr:
    .long 0x7f80                        /* round toward zero, all exceptions masked */
