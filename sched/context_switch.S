/* Thread switching (sched/scheduler.cpp). Both sides are ordinary function calls, so only
 * what the System V x86-64 ABI makes callee-saved is kept here: rbx, rbp, r12-r15, and
 * the x87 control word and MXCSR control bits (psABI §3.2.1, "the control bits of the
 * MXCSR register and the x87 status word are callee-saved"). A preempted thread's other
 * registers, its whole SSE state included, sit in its interrupt frame on its own
 * interrupt stack (kernel/arch/x86_64/interrupt_entry.S). */
.text

/* void sched_switch_stacks(uintptr_t* save_rsp, uintptr_t next_rsp) */
.global sched_switch_stacks
.type sched_switch_stacks, @function
sched_switch_stacks:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    subq $16, %rsp
    fnstcw (%rsp)
    stmxcsr 8(%rsp)
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    fldcw (%rsp)
    ldmxcsr 8(%rsp)
    addq $16, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
.size sched_switch_stacks, . - sched_switch_stacks

/* Where a new thread's first switch returns to (its frame is built by
 * sched::build_start_frame): %r12 = fn, %r13 = arg. Finishes the switch, runs fn(arg),
 * and exits the thread with its return value. */
.global sched_thread_trampoline
.type sched_thread_trampoline, @function
sched_thread_trampoline:
    xorl %ebp, %ebp                 /* the outermost frame: backtraces stop here */
    andq $-16, %rsp
    call sched_thread_first_run
    movq %r13, %rdi
    call *%r12
    movl %eax, %edi
    call sched_thread_return
    ud2
.size sched_thread_trampoline, . - sched_thread_trampoline

/* [[noreturn]] void sched_run_on_stack(uintptr_t top, void (*fn)(void*), void* arg):
 * moves to the stack ending at `top` (interrupts must be off when it is the thread's
 * interrupt stack) and calls fn(arg), which must not return. */
.global sched_run_on_stack
.type sched_run_on_stack, @function
sched_run_on_stack:
    movq %rdi, %rsp
    andq $-16, %rsp
    xorl %ebp, %ebp
    movq %rdx, %rdi
    call *%rsi
    ud2
.size sched_run_on_stack, . - sched_run_on_stack

.section .note.GNU-stack, "", @progbits
