// Boot milestones a guest reports to the VMM on the boot-trace port: one `outb` of the
// milestone's number. The Osprey monitor timestamps each write with the host clock
// (osprey-monitor --trace-boot); under QEMU nothing listens on the port and the write is
// ignored. Shared by the kernel and the monitor.
#pragma once

#include <stdint.h>

namespace abi {

/// An I/O port no PC, q35 or microvm device uses.
constexpr uint16_t kBootTracePort = 0xe0;

enum class BootMilestone : uint8_t {
    KernelEntry = 1,    // first C++ code of the kernel
    MemoryUp = 2,       // page tables and the frame allocator ready
    DriversUp = 3,      // device drivers probed
    RootFilesystem = 4, // the image mounted as the root filesystem
    ProgramMain = 5,    // right before the program's main()
};

constexpr const char* boot_milestone_name(uint8_t milestone)
{
    switch (BootMilestone(milestone)) {
    case BootMilestone::KernelEntry: return "kernel entry";
    case BootMilestone::MemoryUp: return "memory up";
    case BootMilestone::DriversUp: return "drivers up";
    case BootMilestone::RootFilesystem: return "root filesystem";
    case BootMilestone::ProgramMain: return "program main";
    }
    return nullptr;
}

} // namespace abi
