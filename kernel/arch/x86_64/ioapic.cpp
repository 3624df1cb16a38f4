#include <kernel/arch/x86_64/ioapic.h>

namespace arch {

namespace {

// Data sheet §3.1: an index written to IOREGSEL (offset 0) selects the register that the
// window IOWIN (offset 0x10) reads and writes.
constexpr uint32_t kSelect = 0x00 / 4, kWindow = 0x10 / 4;
constexpr uint32_t kVersionRegister = 0x01, kRedirectionTable = 0x10;

uint32_t read(volatile uint32_t* registers, uint32_t index)
{
    registers[kSelect] = index;
    return registers[kWindow];
}

void write(volatile uint32_t* registers, uint32_t index, uint32_t value)
{
    registers[kSelect] = index;
    registers[kWindow] = value;
}

} // namespace

uint32_t ioapic_pin_count(volatile uint32_t* registers)
{
    return ((read(registers, kVersionRegister) >> 16) & 0xff) + 1; // bits 23:16: the last entry's index
}

void ioapic_route(volatile uint32_t* registers, uint32_t pin, uint8_t vector, uint8_t apic_id)
{
    // Data sheet §3.2.4: the high half holds the destination in bits 63:56; the low half's
    // zero bits mean fixed delivery, physical mode, active high, edge, not masked. The low
    // half goes last: it unmasks the pin with the destination already in place.
    write(registers, kRedirectionTable + 2 * pin + 1, uint32_t(apic_id) << 24);
    write(registers, kRedirectionTable + 2 * pin, vector);
}

} // namespace arch
