/* osprey_enter_program(entry, stack_pointer): starts the program at its ELF entry point the
 * way Linux's execve leaves a process (System V ABI x86-64 §3.4.1): %rsp at argc, %rdx the
 * function _start registers with atexit (none: 0), other registers cleared, DF clear. */
.text
.global osprey_enter_program
osprey_enter_program:
    mov %rsi, %rsp
    mov %rdi, %rax
    xor %edx, %edx
    xor %ebp, %ebp
    xor %ebx, %ebx
    xor %ecx, %ecx
    xor %esi, %esi
    xor %edi, %edi
    xor %r8d, %r8d
    xor %r9d, %r9d
    xor %r10d, %r10d
    xor %r11d, %r11d
    xor %r12d, %r12d
    xor %r13d, %r13d
    xor %r14d, %r14d
    xor %r15d, %r15d
    cld
    jmp *%rax
