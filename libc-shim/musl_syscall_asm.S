/* Kernel versions of the musl routines that musl writes in assembly around a raw
 * `syscall` instruction (src/thread/x86_64/*.s, src/process/x86_64/vfork.s,
 * src/signal/x86_64/restore.s); __clone and __unmapself are in threads.cpp. Same names
 * and contracts, so musl's C code calls these;
 * gen-keep-list makes the link take them before musl's members. scripts/check-no-syscall
 * fails the build if a `syscall` instruction still gets linked. */
.text

/* int __set_thread_area(void *tp): arch_prctl(ARCH_SET_FS, tp) in musl. Ring 0: write the
 * FS base MSR (IA32_FS_BASE, 0xc0000100) directly. Returns 0 (success). */
.global __set_thread_area
.type __set_thread_area, @function
__set_thread_area:
    mov %edi, %eax
    mov %rdi, %rdx
    shr $32, %rdx
    mov $0xc0000100, %ecx
    wrmsr
    xor %eax, %eax
    ret
.size __set_thread_area, . - __set_thread_area

/* long __syscall_cp_asm(volatile int *cancel, long n, long a..f): a cancellation point.
 * If the thread has a pending cancellation, go to __cancel; otherwise the system call,
 * here a call of osprey_syscall(n, a, b, c, d, e, f). __cp_begin/__cp_end bracket the
 * instructions where an asynchronous cancellation signal would divert to __cp_cancel. */
.global __syscall_cp_asm
.hidden __syscall_cp_asm
.global __cp_begin
.hidden __cp_begin
.global __cp_end
.hidden __cp_end
.global __cp_cancel
.hidden __cp_cancel
.type __syscall_cp_asm, @function
__syscall_cp_asm:
__cp_begin:
    mov (%rdi), %eax
    test %eax, %eax
    jnz __cp_cancel
    mov %rsi, %rdi          /* n */
    mov %rdx, %rsi          /* a */
    mov %rcx, %rdx          /* b */
    mov %r8, %rcx           /* c */
    mov %r9, %r8            /* d */
    mov 8(%rsp), %r9        /* e */
    mov 16(%rsp), %rax      /* f: the 7th argument goes on the stack */
    push %rax               /* %rsp was 8 mod 16 at entry: now 16-byte aligned */
    call osprey_syscall
    add $8, %rsp
__cp_end:
    ret
__cp_cancel:
    jmp __cancel
.size __syscall_cp_asm, . - __syscall_cp_asm

/* pid_t vfork(void): no processes yet; fails with ENOSYS through musl's __syscall_ret,
 * which sets errno and returns -1. */
.global vfork
.type vfork, @function
vfork:
    mov $-38, %rdi
    jmp __syscall_ret
.size vfork, . - vfork

/* __restore_rt: the signal-return trampoline musl installs as sa_restorer. A handler
 * entered through a signal frame (kernel/syscall/signal_frame.h) returns here with %rsp at
 * the frame's ucontext: rt_sigreturn is osprey_signal_return(ucontext), which never
 * returns. (Handlers run on a system call's way out are plain calls and return there.) */
.global __restore_rt
.hidden __restore_rt
.type __restore_rt, @function
__restore_rt:
    movq %rsp, %rdi
    andq $-16, %rsp
    call osprey_signal_return
    ud2
.size __restore_rt, . - __restore_rt

.section .note.GNU-stack, "", @progbits
