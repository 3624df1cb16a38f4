// The I/O APIC (Intel 82093AA data sheet; ACPI MADT type 1): routes a device's interrupt
// pin to a vector on a CPU. Stateless: the caller maps the registers and serialises access
// (the select/window register pair is one operation).
#pragma once

#include <cstdint>

namespace arch {

/// Number of redirection entries (pins) of the I/O APIC at `registers`.
uint32_t ioapic_pin_count(volatile uint32_t* registers);

/// Routes `pin` to `vector` on the CPU with APIC ID `apic_id`: fixed delivery, physical
/// destination, active high, edge triggered, unmasked. A level-triggered source works as
/// long as its handler acknowledges the device before the next interrupt is wanted.
void ioapic_route(volatile uint32_t* registers, uint32_t pin, uint8_t vector, uint8_t apic_id);

} // namespace arch
