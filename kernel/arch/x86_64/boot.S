/* PVH entry: the VMM starts us in 32-bit protected mode, paging off, %ebx = physical address
 * of the hvm_start_info (Xen arch/x86 PVH boot ABI, docs/misc/pvh.pandoc). We build
 * boot page tables that map the first 1 GiB twice (identity, and at the kernel's link
 * address in the top 2 GiB), enter long mode and jump to kernel_entry64 in C++ land.
 * mm::init later replaces these tables with the real kernel ones. */
#include "layout.h"

#define PHYS(sym) ((sym) - KERNEL_VMA_BASE)

/* Xen ELF note XEN_ELFNOTE_PHYS32_ENTRY (type 18): the 32-bit physical entry point. */
.section .note.Xen, "a"
.align 4
.long 4            /* name size: "Xen\0" */
.long 4            /* desc size */
.long 18           /* XEN_ELFNOTE_PHYS32_ENTRY */
.asciz "Xen"
.long PHYS(pvh_start32)

.section .boot.text, "ax"
.code32
.global pvh_start32
pvh_start32:
    cli
    cld
    mov %ebx, %edi                      /* keep start_info for kernel_entry64 */
    lea PHYS(boot_stack_top), %esp

    /* PML4[0] and PML4[511] -> PDPT_low / PDPT_high; both end in one PD of 2 MiB pages. */
    lea PHYS(boot_pdpt_low), %eax
    or $0x3, %eax
    mov %eax, PHYS(boot_pml4)
    lea PHYS(boot_pdpt_high), %eax
    or $0x3, %eax
    mov %eax, PHYS(boot_pml4) + 511 * 8
    lea PHYS(boot_pd), %eax
    or $0x3, %eax
    mov %eax, PHYS(boot_pdpt_low)
    mov %eax, PHYS(boot_pdpt_high) + 510 * 8

    xor %ecx, %ecx
1:  mov %ecx, %eax
    shl $21, %eax
    or $0x83, %eax                      /* present, writable, 2 MiB page */
    mov %eax, PHYS(boot_pd)(, %ecx, 8)
    inc %ecx
    cmp $512, %ecx
    jne 1b

    mov %cr4, %eax
    or $((1 << 5) | (1 << 9) | (1 << 10)), %eax   /* PAE, OSFXSR, OSXMMEXCPT */
    mov %eax, %cr4
    lea PHYS(boot_pml4), %eax
    mov %eax, %cr3
    mov $0xc0000080, %ecx               /* IA32_EFER: long mode enable, no-execute enable */
    rdmsr
    or $((1 << 8) | (1 << 11)), %eax
    wrmsr
    mov %cr0, %eax
    and $~((1 << 2) | (1 << 3)), %eax   /* no EM, no TS: the FPU and SSE are usable */
    or $((1 << 31) | (1 << 16) | (1 << 5) | (1 << 1) | 1), %eax  /* PG, WP, NE, MP, PE */
    mov %eax, %cr0

    lgdt PHYS(boot_gdt_pointer)
    ljmp $0x08, $PHYS(start64_low)

.code64
start64_low:
    movabs $start64_high, %rax
    jmp *%rax

.section .text
start64_high:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    xor %ax, %ax
    mov %ax, %fs
    mov %ax, %gs
    movabs $boot_stack_top, %rsp
    xor %ebp, %ebp                      /* end of the frame-pointer chain for backtraces */
    /* %rdi: physical address of hvm_start_info (zero-extended by the 32-bit mov). */
    call kernel_entry64
2:  hlt
    jmp 2b

.section .boot.data, "aw"
.align 16
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff            /* 0x08: 64-bit code */
    .quad 0x00cf92000000ffff            /* 0x10: data */
boot_gdt_end:
boot_gdt_pointer:
    .word boot_gdt_end - boot_gdt - 1
    .long PHYS(boot_gdt)

.section .boot.bss, "aw", @nobits
.align 4096
.global boot_pml4
boot_pml4:      .skip 4096
boot_pdpt_low:  .skip 4096
boot_pdpt_high: .skip 4096
boot_pd:        .skip 4096
.align 16
boot_stack:     .skip BOOT_STACK_SIZE
.global boot_stack_top
boot_stack_top:
