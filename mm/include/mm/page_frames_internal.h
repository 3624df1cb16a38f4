// Internal interface between mm's units (not for other modules).
#pragma once

#include <cstdint>

namespace arch {
struct PvhStartInfo;
}

namespace mm {

/// Builds the frame bitmap from the PVH memory map. `early_phys_to_virt` reaches physical
/// memory through the boot page tables (first GiB only).
void frames_init(const arch::PvhStartInfo& info, void* (*early_phys_to_virt)(uint64_t));
/// End of the highest RAM range (exclusive).
uint64_t frames_top();

enum PteFlags : uint64_t {
    PtePresent = 1ull << 0,
    PteWritable = 1ull << 1,
    PteWriteThrough = 1ull << 3, // PWT; with PCD: PAT entry 3, uncacheable (Intel SDM vol. 3A §11.12.3)
    PteCacheDisable = 1ull << 4, // PCD
    PteHuge = 1ull << 7,
    PteGlobal = 1ull << 8,
    PteBacked = 1ull << 9, // software bit: frame kept while not present (PROT_NONE)
    PteNoExecute = 1ull << 63,
};
constexpr uint64_t kPteAddressMask = 0x000f'ffff'ffff'f000ull;

/// The PTE of a 4 KiB page (lower half, or the device window of device_memory.cpp), creating the paging structures on the way when
/// `create` is set; nullptr if absent (or ENOMEM while creating).
uint64_t* pte_for(uint64_t virt, bool create);
/// Invalidates the TLB entry of one page.
void flush_page(uint64_t virt);

} // namespace mm
