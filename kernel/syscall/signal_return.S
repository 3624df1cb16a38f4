/* [[noreturn]] void osprey_restore_context(const uint64_t* gregs, const void* fpregs):
 * resumes the program at the registers of a signal context (kernel/syscall/signal_frame.h,
 * <sys/ucontext.h> order: r8 r9 r10 r11 r12 r13 r14 r15 rdi rsi rbp rbx rdx rax rcx rsp
 * rip eflags). The interrupt-return frame is built on the current stack, which lies below
 * the context and below the red zone of the stack being resumed; iretq then loads rip,
 * rflags and rsp together. */
#define G(n) (n * 8)(%rdi)
.text
.global osprey_restore_context
.type osprey_restore_context, @function
osprey_restore_context:
    test %rsi, %rsi
    jz 1f
    fxrstor64 (%rsi)
1:  andq $-16, %rsp
    pushq $0x10                 /* ss: the kernel data selector (kernel/arch/x86_64/gdt.h) */
    pushq G(15)                 /* rsp */
    pushq G(17)                 /* rflags */
    pushq $0x08                 /* cs: the kernel code selector */
    pushq G(16)                 /* rip */
    movq G(0), %r8
    movq G(1), %r9
    movq G(2), %r10
    movq G(3), %r11
    movq G(4), %r12
    movq G(5), %r13
    movq G(6), %r14
    movq G(7), %r15
    movq G(9), %rsi
    movq G(10), %rbp
    movq G(11), %rbx
    movq G(12), %rdx
    movq G(13), %rax
    movq G(14), %rcx
    movq G(8), %rdi             /* last: it held gregs */
    iretq
.size osprey_restore_context, . - osprey_restore_context

.section .note.GNU-stack, "", @progbits
