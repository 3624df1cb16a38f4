// The kernel's side of the boot trace (include/abi/boot_trace.h): one `outb` of the
// milestone's number on the trace port. The Osprey monitor timestamps it; QEMU ignores it.
#pragma once

#include <abi/boot_trace.h>
#include <kernel/arch/x86_64/io.h>

namespace core {

inline void trace(abi::BootMilestone milestone) { arch::outb(abi::kBootTracePort, uint8_t(milestone)); }

} // namespace core
