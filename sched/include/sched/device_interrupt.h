// Interrupts from devices: a global system interrupt (GSI, the number a device's
// interrupt line has in the ACPI tables and on the kernel command line's
// virtio_mmio.device=...:IRQ) delivered to a handler on the boot CPU, through the I/O
// APIC that serves it (found in the MADT).
#pragma once

#include <lib/result.h>

#include <cstdint>

namespace sched {

using DeviceInterruptHandler = void (*)(void* context);

/// Sends GSI `gsi` to `handler(context)`, which runs in interrupt context (interrupts off,
/// on the interrupted thread's interrupt stack: no blocking; futex_wake is fine) and must
/// acknowledge the device. Brings the local APIC up if it is not. Errors: NODEV (no local
/// APIC, no I/O APIC serves that GSI), NOSPC (every device vector is taken), NOMEM.
lib::Result<void> route_device_interrupt(uint32_t gsi, DeviceInterruptHandler handler, void* context);

} // namespace sched
