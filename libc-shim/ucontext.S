/* getcontext, setcontext, swapcontext and makecontext's trampoline with glibc's ucontext_t
 * (<sys/ucontext.h>, x86-64; the offsets are checked against glibc's header in
 * ucontext.cpp). A context holds the callee-saved registers, the argument registers, the
 * stack pointer and resume address, the x87 environment and MXCSR (in __fpregs_mem, which
 * uc_mcontext.fpregs points at) and the signal mask. Resuming a context returns 0 from the
 * getcontext or swapcontext that saved it, as glibc's does. */
	.equ UC_LINK, 8
	.equ UC_GREGS, 40
	.equ OFF_R8, UC_GREGS + 0 * 8
	.equ OFF_R9, UC_GREGS + 1 * 8
	.equ OFF_R12, UC_GREGS + 4 * 8
	.equ OFF_R13, UC_GREGS + 5 * 8
	.equ OFF_R14, UC_GREGS + 6 * 8
	.equ OFF_R15, UC_GREGS + 7 * 8
	.equ OFF_RDI, UC_GREGS + 8 * 8
	.equ OFF_RSI, UC_GREGS + 9 * 8
	.equ OFF_RBP, UC_GREGS + 10 * 8
	.equ OFF_RBX, UC_GREGS + 11 * 8
	.equ OFF_RDX, UC_GREGS + 12 * 8
	.equ OFF_RCX, UC_GREGS + 14 * 8
	.equ OFF_RSP, UC_GREGS + 15 * 8
	.equ OFF_RIP, UC_GREGS + 16 * 8
	.equ OFF_FPREGS, 224
	.equ OFF_SIGMASK, 296
	.equ OFF_FPREGS_MEM, 424
	.equ FPSTATE_MXCSR, 24
	.equ SIG_BLOCK, 0
	.equ SIG_SETMASK, 2

	.text

/* Saves the caller's registers, as they are at the call, into the context at %rdi. */
.macro save_registers
	movq %rbx, OFF_RBX(%rdi)
	movq %rbp, OFF_RBP(%rdi)
	movq %r12, OFF_R12(%rdi)
	movq %r13, OFF_R13(%rdi)
	movq %r14, OFF_R14(%rdi)
	movq %r15, OFF_R15(%rdi)
	movq %rdi, OFF_RDI(%rdi)
	movq %rsi, OFF_RSI(%rdi)
	movq %rdx, OFF_RDX(%rdi)
	movq %rcx, OFF_RCX(%rdi)
	movq %r8, OFF_R8(%rdi)
	movq %r9, OFF_R9(%rdi)
	movq (%rsp), %rax /* the return address: where the context resumes */
	movq %rax, OFF_RIP(%rdi)
	leaq 8(%rsp), %rax /* the caller's stack pointer after the return */
	movq %rax, OFF_RSP(%rdi)
	leaq OFF_FPREGS_MEM(%rdi), %rax
	movq %rax, OFF_FPREGS(%rdi)
	fnstenv (%rax)
	fldenv (%rax) /* fnstenv masks the x87 exceptions: put the environment back */
	stmxcsr FPSTATE_MXCSR(%rax)
.endm

/* Loads the context at %rdx (its signal mask already set) and resumes it. */
.macro resume_context
	movq OFF_FPREGS(%rdx), %rax
	fldenv (%rax)
	ldmxcsr FPSTATE_MXCSR(%rax)
	movq OFF_RBX(%rdx), %rbx
	movq OFF_RBP(%rdx), %rbp
	movq OFF_R12(%rdx), %r12
	movq OFF_R13(%rdx), %r13
	movq OFF_R14(%rdx), %r14
	movq OFF_R15(%rdx), %r15
	movq OFF_RSP(%rdx), %rsp
	pushq OFF_RIP(%rdx)
	movq OFF_RDI(%rdx), %rdi
	movq OFF_RSI(%rdx), %rsi
	movq OFF_RCX(%rdx), %rcx
	movq OFF_R8(%rdx), %r8
	movq OFF_R9(%rdx), %r9
	movq OFF_RDX(%rdx), %rdx
	xorl %eax, %eax
	ret
.endm

/* int getcontext(ucontext_t *ucp) */
	.globl getcontext
	.type getcontext, @function
getcontext:
	.cfi_startproc
	save_registers
	pushq %rdi
	.cfi_adjust_cfa_offset 8
	leaq OFF_SIGMASK(%rdi), %rdx
	xorl %esi, %esi
	movl $SIG_BLOCK, %edi
	call sigprocmask /* the current mask into uc_sigmask */
	popq %rdi
	.cfi_adjust_cfa_offset -8
	ret /* sigprocmask's 0 or -1 */
	.cfi_endproc
	.size getcontext, . - getcontext

/* int setcontext(const ucontext_t *ucp): does not return, or -1 if the mask is refused. */
	.globl setcontext
	.type setcontext, @function
setcontext:
	.cfi_startproc
	pushq %rdi
	.cfi_adjust_cfa_offset 8
	xorl %edx, %edx
	leaq OFF_SIGMASK(%rdi), %rsi
	movl $SIG_SETMASK, %edi
	call sigprocmask
	popq %rdx
	.cfi_adjust_cfa_offset -8
	testl %eax, %eax
	jnz 1f
	resume_context
1:	ret
	.cfi_endproc
	.size setcontext, . - setcontext

/* int swapcontext(ucontext_t *oucp, const ucontext_t *ucp): saves into oucp, resumes ucp. */
	.globl swapcontext
	.type swapcontext, @function
swapcontext:
	.cfi_startproc
	save_registers
	pushq %rsi
	.cfi_adjust_cfa_offset 8
	leaq OFF_SIGMASK(%rdi), %rdx
	leaq OFF_SIGMASK(%rsi), %rsi
	movl $SIG_SETMASK, %edi
	call sigprocmask /* ucp's mask in, the current one into oucp */
	popq %rdx
	.cfi_adjust_cfa_offset -8
	testl %eax, %eax
	jnz 1f
	resume_context
1:	ret
	.cfi_endproc
	.size swapcontext, . - swapcontext

/* Where a function given to makecontext returns: %rbx points at the slot holding uc_link
 * (ucontext.cpp). Resume it, or exit(0) when it is null. */
	.globl osprey_start_context
	.type osprey_start_context, @function
osprey_start_context:
	movq %rbx, %rsp
	movq (%rsp), %rdi
	/* glibc's __start_context calls its setcontext, all assembly, at whatever alignment
	 * the slot has (8 mod 16 when the function took an even number of stack words); this
	 * one runs C (sigprocmask), so give the call the psABI's 16 bytes. */
	andq $-16, %rsp
	testq %rdi, %rdi
	je 1f
	call setcontext
	movq %rax, %rdi /* setcontext failed: exit with its -1, as glibc does */
1:	call exit
	ud2
	.size osprey_start_context, . - osprey_start_context

	.section .note.GNU-stack, "", @progbits
