// Internal interface between mm's units (not for other modules).
#pragma once

#include <lib/result.h>

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
    PteBacked = 1ull << 9,   // software bit: a page is behind the entry, present or not (PROT_NONE)
    PteFilePage = 1ull << 10, // software bit: the page is the file's (image), not owned; writes copy
    PteNoExecute = 1ull << 63,
};
constexpr uint64_t kPteAddressMask = 0x000f'ffff'ffff'f000ull;

/// The PTE of a 4 KiB page (lower half, or the device window of device_memory.cpp),
/// creating the paging structures on the way when `create` is set; nullptr if absent (or
/// ENOMEM while creating). When absent, `*unmapped_span` (if given) is the size of the
/// aligned stretch around `virt` that the missing entry covers: 2 MiB for a missing page
/// table, 1 GiB for a missing page directory, 512 GiB for a missing PDPT.
uint64_t* pte_for(uint64_t virt, bool create, uint64_t* unmapped_span = nullptr);
/// Invalidates the TLB entry of one page.
void flush_page(uint64_t virt);

/// Calls fn(virt, pte) for every lower-half page in [start, end) whose PTE has any bit set,
/// skipping whole stretches (2 MiB, 1 GiB, 512 GiB) without paging structures, so an
/// untouched range costs a walk per stretch, not per page. `fn` may change the entry; the
/// caller flushes.
template<typename Fn>
void for_each_pte(uint64_t start, uint64_t end, Fn&& fn)
{
    for (uint64_t virt = start; virt < end && virt >= start;) {
        uint64_t span = 0;
        uint64_t* pte = pte_for(virt, false, &span);
        if (!pte) {
            virt = (virt + span) & ~(span - 1);
            continue;
        }
        if (*pte)
            fn(virt, *pte);
        virt += 4096;
    }
}

/// Unmaps the pages of [start, end), freeing the frames the address space owns (not the
/// image's file pages).
void release_pages(uintptr_t start, uintptr_t end);

/// Page-table bits for a page of an area with protection `prot` (mm::Protection); file
/// pages are never writable (a write fault copies them).
uint64_t pte_bits(int prot, bool file_page);

/// The page-fault handler (page_fault.cpp), installed by address_space_init().
void page_fault_init();
/// Brings the page at `virt` (inside `area`) in as a fault for `access` would.
/// ENOMEM when memory ran out; EFAULT (SIGBUS) for a file page past the end of the file.
enum class Access { Read, Write, Execute };
struct Area;
lib::Result<void> fault_in(const Area& area, uint64_t virt, Access access);
/// Faults in every accessible page of [start, start + length) (MAP_POPULATE,
/// MADV_WILLNEED); pages past the end of a mapped file are left out. ENOMEM.
lib::Result<void> populate(uintptr_t start, size_t length, Access access);

} // namespace mm
