// The PVH boot information the monitor gives the kernel: hvm_start_info version 1 with
// the memory map, the command line and the module list (Xen public/arch-x86/hvm/
// start_info.h; boot ABI in Xen docs/misc/pvh.pandoc), written into the first MiB of
// guest RAM, which the kernel keeps reserved.
//
// Guest-physical layout made by the monitor:
//   0x6000            hvm_start_info, then the module list and the memory map
//   0x10000..0x90000  the command line (NUL-terminated)
//   0xe0000           the ACPI tables (acpi_tables.h), in the reserved hole
//   0x100000..        the kernel's PT_LOAD segments, then free RAM up to ram_size
//   image_base        the image file, read-only, E820 "reserved" (not RAM)
//   0xd0000000        virtio-mmio devices (virtio_mmio.device= on the command line)
#pragma once

#include "guest_memory.h"

#include <string_view>

namespace monitor {

inline constexpr uint64_t kStartInfoAddress = 0x6000;
inline constexpr uint64_t kCmdlineAddress = 0x10000;
inline constexpr uint64_t kCmdlineMax = 0x80000; // bytes, including the NUL

/// Where the image goes: the first 2 MiB boundary at or after the end of RAM (outside RAM,
/// so the guest never allocates over it).
constexpr uint64_t image_address(uint64_t ram_size) { return (ram_size + (2ull << 20) - 1) & ~((2ull << 20) - 1); }

struct BootModule {
    uint64_t address;
    uint64_t size;
};

struct BootInfoRequest {
    std::string_view cmdline;
    std::span<const BootModule> modules; // module 0 is the image
    uint64_t rsdp_address = 0;           // the ACPI tables (acpi_tables.h), 0 for none
};

/// Writes start_info, modules, memory map and command line into `memory`. The map lists
/// [0, 0x9fc00) and [1 MiB, ram_size) as RAM and each module as reserved. Returns the
/// guest-physical address of start_info (for %ebx). Errors: E2BIG (command line too
/// long, too many modules), INVAL (a NUL in the command line), FAULT (no room in RAM).
lib::Result<uint64_t> write_boot_info(const GuestMemory& memory, const BootInfoRequest& request);

} // namespace monitor
