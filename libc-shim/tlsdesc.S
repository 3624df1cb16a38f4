/* The TLSDESC resolver for variables in static TLS ("TLS Descriptors for x86-64",
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

	.section .note.GNU-stack, "", @progbits
