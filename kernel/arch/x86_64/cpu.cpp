#include <kernel/arch/x86_64/cpu.h>

#include <kernel/arch/x86_64/gdt.h>
#include <kernel/arch/x86_64/idt.h>
#include <kernel/arch/x86_64/io.h>
#include <kernel/arch/x86_64/system_call_instruction.h>

namespace arch {

namespace {

// The 8259A pair powers up delivering IRQ 0-7 on vectors 8-15, the CPU's exception
// vectors. Masking every line keeps them quiet until the APIC code takes over (OCW1,
// 8259A data sheet: a set bit masks the line). Harmless where there is no PIC.
void mask_legacy_pic()
{
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
}

} // namespace

void cpu_init()
{
    gdt_init();
    idt_init();
    program_exceptions_init();
    system_call_instruction_init();
    mask_legacy_pic();
}

} // namespace arch
