// Starting application processors (APs): the real-mode trampoline (ap_start.S) placed in a
// page below 1 MiB, and the choice of that page. sched/smp.cpp decides what each AP runs.
#pragma once

#include <kernel/arch/x86_64/pvh.h>

#include <lib/result.h>

#include <cstddef>
#include <cstdint>
#include <span>

namespace arch {

/// What one AP starts with, found by its APIC ID: ap_main(argument) runs on `stack_top`.
struct ApSlot {
    uint32_t apic_id;
    uint32_t reserved;
    uint64_t stack_top;
    uint64_t argument;
};
static_assert(sizeof(ApSlot) == 24);

/// A 4 KiB page below 1 MiB (and above page 0, where the real-mode interrupt table lives)
/// that the memory map calls RAM and that holds none of what the VMM handed over (the
/// start_info at `start_info_address`, its memory map, module list, the command line of
/// `cmdline_length` bytes), or 0.
uint64_t find_ap_trampoline_page(uint64_t start_info_address, const PvhStartInfo& info,
    std::span<const PvhMemmapEntry> memory_map, size_t cmdline_length);

/// Copies the trampoline to physical `page` (reachable at `page_address` in the kernel's
/// mapping of the first GiB) with `slots` and the kernel's page-table root `kernel_cr3`.
/// EINVAL when the slots do not fit in the page.
lib::Result<void> install_ap_trampoline(void* page_address, std::span<const ApSlot> slots, uint64_t kernel_cr3);

} // namespace arch

/// The C++ entry of every AP (sched/smp.cpp), on its slot's stack, with the kernel's page
/// tables and nothing else set up.
extern "C" [[noreturn]] void ap_main(void* argument);
