/* The smallest kernel the boot benchmark compares Osprey with: entered through PVH (Xen
 * arch/x86 PVH boot ABI, docs/misc/pvh.pandoc: 32-bit protected mode, paging off), it
 * writes one line to the 16550 at 0x3f8 and ends QEMU through isa-debug-exit at 0xf4
 * (QEMU then exits with (0 << 1) | 1 = 1). No stack, no memory map, no long mode. */

/* Xen ELF note XEN_ELFNOTE_PHYS32_ENTRY (type 18): the 32-bit physical entry point. */
.section .note.Xen, "a"
.align 4
.long 4
.long 4
.long 18
.asciz "Xen"
.long minimal_start

.section .text, "ax"
.code32
.global minimal_start
minimal_start:
    cli
    mov $message, %esi
    mov $0x3f8, %dx
1:  lodsb
    test %al, %al
    jz 2f
    outb %al, %dx
    jmp 1b
2:  mov $0xf4, %dx
    xor %eax, %eax
    outl %eax, %dx
3:  hlt                     /* not reached under QEMU; stays halted elsewhere */
    jmp 3b

.section .rodata, "a"
message:
    .asciz "minimal: hello from a bare PVH kernel\n"
