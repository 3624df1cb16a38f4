// The ACPI tables the monitor gives its guests so that they find their processors: an
// RSDP, an XSDT and a MADT with one local APIC per vCPU (APIC ID = vCPU index, as
// cpuid.cpp reports) and KVM's in-kernel I/O APIC (include/abi/acpi.h has the layouts).
// They go at kAcpiAddress, in the reserved hole below 1 MiB where firmware would put
// them (the kernel's RAM allocator never hands that out), and start_info.rsdp_paddr
// points at them.
#pragma once

#include "guest_memory.h"

namespace monitor {

inline constexpr uint64_t kAcpiAddress = 0xe0000;
inline constexpr unsigned kMaxAcpiCpus = 64; // acpi::kMaxProcessors

/// Writes the tables for `cpus` vCPUs; returns the RSDP's guest-physical address.
/// EINVAL for 0 or more than kMaxAcpiCpus CPUs; FAULT when guest memory has no room.
lib::Result<uint64_t> write_acpi_tables(const GuestMemory& memory, unsigned cpus);

} // namespace monitor
