/* The first code of an application processor (AP). A STARTUP IPI starts it in real mode at
 * physical address page:0 (CS = page >> 4), with caches and paging off. ap_start.cpp copies
 * the bytes between ap_trampoline_start and ap_trampoline_end to that page (below 1 MiB)
 * and fills in the parameter block at its end. The trampoline:
 *   real mode -> 32-bit protected mode (its own GDT) -> long mode on the boot page tables
 *   (boot.S: they map the first GiB identically, where the page is, and the kernel at its
 *   link address) -> finds its own slot by its APIC ID -> jumps to ap_long_mode_entry in
 *   the kernel, which loads the kernel's page tables and calls ap_main(argument) on the
 *   slot's stack. Intel SDM vol. 3A §9.9 (mode switching), §9.4.4 (MP initialisation). */
#include "layout.h"

#define OFFSET(label) ((label) - ap_trampoline_start)
#define CR0_PE (1 << 0)
#define CR0_MP (1 << 1)
#define CR0_ET (1 << 4)
#define CR0_NE (1 << 5)
#define CR0_WP (1 << 16)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define CR4_OSFXSR (1 << 9)
#define CR4_OSXMMEXCPT (1 << 10)
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)

.section .rodata
.balign 16
.global ap_trampoline_start
ap_trampoline_start:
.code16
    cli
    cld
    mov %cs, %ax
    mov %ax, %ds
    xor %ebx, %ebx
    mov %ax, %bx
    shl $4, %ebx                        /* %ebx: the page's physical address */
    /* Patch the absolute addresses this copy needs: the GDT's base, both far jumps. */
    lea OFFSET(trampoline_gdt)(%ebx), %eax
    mov %eax, OFFSET(trampoline_gdt_base)
    lea OFFSET(protected_mode)(%ebx), %eax
    mov %eax, OFFSET(jump_to_protected)
    lea OFFSET(long_mode)(%ebx), %eax
    mov %eax, OFFSET(jump_to_long)
    lgdtl OFFSET(trampoline_gdt_pointer)
    mov %cr0, %eax
    or $CR0_PE, %eax
    mov %eax, %cr0
    ljmpl *OFFSET(jump_to_protected)

.code32
protected_mode:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov $(CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT), %eax
    mov %eax, %cr4
    mov OFFSET(ap_boot_cr3)(%ebx), %eax
    mov %eax, %cr3
    mov $0xc0000080, %ecx               /* IA32_EFER */
    rdmsr
    or $(EFER_LME | EFER_NXE), %eax
    wrmsr
    /* The whole of CR0: an AP starts with caching disabled (CD, NW), which this clears. */
    mov $(CR0_PG | CR0_WP | CR0_NE | CR0_ET | CR0_MP | CR0_PE), %eax
    mov %eax, %cr0
    ljmpl *OFFSET(jump_to_long)(%ebx)

.code64
long_mode:
    xor %eax, %eax
    mov %ax, %fs
    mov %ax, %gs
    mov $1, %eax                        /* CPUID.1:EBX[31:24]: the initial APIC ID */
    cpuid
    shr $24, %ebx
    lea ap_slots(%rip), %rsi
    mov ap_slot_count(%rip), %ecx
1:  test %ecx, %ecx
    jz 3f
    cmp (%rsi), %ebx
    je 2f
    add $24, %rsi
    dec %ecx
    jmp 1b
2:  mov 8(%rsi), %rsp                   /* the stack: mapped by the kernel's tables only */
    mov 16(%rsi), %rdi                  /* ap_main's argument */
    mov ap_kernel_cr3(%rip), %rdx
    movabs $ap_long_mode_entry, %rax
    jmp *%rax
3:  cli                                 /* not a processor the kernel asked for */
    hlt
    jmp 3b

.balign 8
trampoline_gdt:
    .quad 0
    .quad 0x00cf9a000000ffff            /* 0x08: 32-bit code */
    .quad 0x00cf92000000ffff            /* 0x10: data */
    .quad 0x00af9a000000ffff            /* 0x18: 64-bit code */
trampoline_gdt_end:
trampoline_gdt_pointer:
    .word trampoline_gdt_end - trampoline_gdt - 1
trampoline_gdt_base:
    .long 0
jump_to_protected:
    .long 0
    .word 0x08
jump_to_long:
    .long 0
    .word 0x18

/* The parameter block, filled in by ap_start.cpp (arch::ApTrampolineParameters). */
.balign 8
.global ap_trampoline_parameters
ap_trampoline_parameters:
ap_boot_cr3:    .quad boot_pml4 - KERNEL_VMA_BASE
ap_kernel_cr3:  .quad 0
ap_slot_count:  .quad 0
ap_slots:                               /* {apic_id u32, pad u32, stack u64, argument u64} */
.global ap_trampoline_end
ap_trampoline_end:

.section .text
/* In the kernel at its link address, still on the boot page tables: switch to the
 * kernel's, then run ap_main(argument) on the slot's stack. */
.global ap_long_mode_entry
ap_long_mode_entry:
    mov %rdx, %cr3
    xor %ebp, %ebp
    call ap_main
4:  cli
    hlt
    jmp 4b
