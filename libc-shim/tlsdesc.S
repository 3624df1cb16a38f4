/* The TLSDESC resolvers. The one for variables in static TLS ("TLS Descriptors for x86-64",
 * A. Oliva, §3): the program's code does `lea desc(%rip), %rax; call *(%rax)` and adds the
 * result to %fs:0, so the resolver returns the offset kept in the descriptor's second
 * word and must leave every other register as it found it. */
	.text
	.globl osprey_tlsdesc_static
	.type osprey_tlsdesc_static, @function
osprey_tlsdesc_static:
	.cfi_startproc
	movq 8(%rax), %rax
	ret
	.cfi_endproc
	.size osprey_tlsdesc_static, . - osprey_tlsdesc_static

/* The TLSDESC resolver for variables in dynamic TLS: the descriptor's second word names
 * the module and the variable's offset (linker/reloc.h, tlsdesc_dynamic_argument); the
 * answer is the variable's address minus the thread pointer. The C part may allocate, so
 * every register it could change is kept: the integer ones the ABI lets a call clobber,
 * and the SSE and x87 state with fxsave (kernel code uses no AVX: kernel/arch/x86_64/idt.h). */
	.globl osprey_tlsdesc_dynamic
	.type osprey_tlsdesc_dynamic, @function
osprey_tlsdesc_dynamic:
	.cfi_startproc
	pushq %rbp
	.cfi_def_cfa_offset 16
	.cfi_offset %rbp, -16
	movq %rsp, %rbp
	.cfi_def_cfa_register %rbp
	pushq %rdi
	pushq %rsi
	pushq %rdx
	pushq %rcx
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	andq $-16, %rsp
	subq $512, %rsp
	fxsave64 (%rsp)
	movq 8(%rax), %rdi
	call osprey_tlsdesc_dynamic_offset
	fxrstor64 (%rsp)
	leaq -64(%rbp), %rsp
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rcx
	popq %rdx
	popq %rsi
	popq %rdi
	popq %rbp
	.cfi_def_cfa %rsp, 8
	ret
	.cfi_endproc
	.size osprey_tlsdesc_dynamic, . - osprey_tlsdesc_dynamic

	.section .note.GNU-stack, "", @progbits
