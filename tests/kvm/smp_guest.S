/* smp_guest: a tiny PVH guest for osprey-monitor's SMP test (kvm.smp in tests/kvm). The
 * boot CPU wakes every other vCPU with INIT, SIPI, SIPI through its local APIC (xAPIC
 * registers, paging off); each application processor starts in real mode in a trampoline
 * copied below 1 MiB, counts itself in with a locked increment and halts with interrupts
 * off. The boot CPU waits (bounded) for as many as the command line's first character
 * says, prints "smp_guest: N application processors started" on the console and exits
 * with status 0 if exactly that many came, 1 otherwise. The monitor then has to stop the
 * halted vCPUs' threads to exit at all.
 * Not the Osprey kernel, which does not start its APs yet: this tests the monitor alone
 * (one thread per vCPU, KVM's in-kernel local APICs, stopping every vCPU). */

#define TRAMPOLINE 0x70000          /* free RAM below 0x9fc00 in the monitor's memory map */
#define LAPIC 0xfee00000            /* xAPIC registers (Intel SDM vol. 3A, 11.4.1) */
#define LAPIC_SVR 0xf0              /* spurious-interrupt vector; bit 8 enables the APIC */
#define LAPIC_ICR_LOW 0x300         /* interrupt command register, low half */
#define ICR_ALL_BUT_SELF 0xc0000    /* destination shorthand 11 */
#define ICR_ASSERT 0x4000
#define ICR_INIT 0x500
#define ICR_STARTUP 0x600
#define ICR_PENDING 0x1000          /* delivery status: send pending */
#define CONSOLE 0x3f8               /* 16550 transmit register */
#define EXIT_PORT 0xf4              /* include/abi/exit_port.h: the value is the exit status */
#define START_INFO_CMDLINE 24       /* hvm_start_info.cmdline_paddr */
#define AP_COUNT (TRAMPOLINE + (ap_count - ap_trampoline))

/* Xen ELF note XEN_ELFNOTE_PHYS32_ENTRY (type 18): the 32-bit physical entry point. */
.section .note.Xen, "a"
.align 4
.long 4, 4, 18
.asciz "Xen"
.long pvh_start

.text
.code32
.global pvh_start
pvh_start:
    cli
    cld
    mov $stack_top, %esp
    mov START_INFO_CMDLINE(%ebx), %eax
    movzbl (%eax), %eax
    sub $'0', %eax
    mov %eax, expected

    mov $ap_trampoline, %esi
    mov $TRAMPOLINE, %edi
    mov $(ap_trampoline_end - ap_trampoline), %ecx
    rep movsb

    movl $0x1ff, LAPIC + LAPIC_SVR
    movl $(ICR_ALL_BUT_SELF | ICR_ASSERT | ICR_INIT), LAPIC + LAPIC_ICR_LOW
    call wait_for_icr
    movl $(ICR_ALL_BUT_SELF | ICR_ASSERT | ICR_STARTUP | (TRAMPOLINE >> 12)), LAPIC + LAPIC_ICR_LOW
    call wait_for_icr
    movl $(ICR_ALL_BUT_SELF | ICR_ASSERT | ICR_STARTUP | (TRAMPOLINE >> 12)), LAPIC + LAPIC_ICR_LOW
    call wait_for_icr

    mov $0x10000000, %ecx           /* bounded wait: a missing AP must not hang the test */
1:  mov AP_COUNT, %eax
    cmp expected, %eax
    jae 2f
    pause
    loop 1b
2:  mov $started_text, %esi
    call print
    mov AP_COUNT, %eax
    add $'0', %al
    mov $CONSOLE, %dx
    out %al, %dx
    mov $processors_text, %esi
    call print

    mov AP_COUNT, %eax
    cmp expected, %eax
    setne %al
    mov $EXIT_PORT, %dx
    out %al, %dx
3:  hlt
    jmp 3b

/* Waits until the local APIC has sent the IPI, then a little more (the INIT-SIPI
 * protocol asks for delays; KVM needs none, so they are short). */
wait_for_icr:
    mov $1000000, %ecx
1:  testl $ICR_PENDING, LAPIC + LAPIC_ICR_LOW
    jz 2f
    pause
    loop 1b
2:  mov $10000, %ecx
3:  pause
    loop 3b
    ret

/* Writes the NUL-terminated string at %esi to the console. */
print:
    mov $CONSOLE, %dx
1:  lodsb
    test %al, %al
    jz 2f
    out %al, %dx
    jmp 1b
2:  ret

/* Copied to TRAMPOLINE; an AP starts here in real mode with CS = TRAMPOLINE >> 4. */
.code16
ap_trampoline:
    cli
    lock incl %cs:(ap_count - ap_trampoline)
1:  hlt
    jmp 1b
.align 4
ap_count:
    .long 0
ap_trampoline_end:

.data
started_text:
    .asciz "smp_guest: "
processors_text:
    .asciz " application processors started\n"
.align 4
expected:
    .long 0

.bss
.align 16
    .skip 4096
stack_top:
