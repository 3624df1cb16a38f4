// Internal interface between mm's units (not for other modules).
#pragma once

#include <lib/result.h>
#include <mm/area.h>

#include <cstdint>
#include <type_traits>

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
    PteBacked = 1ull << 9,    // software bit: a page is behind the entry, present or not (PROT_NONE)
    PteFilePage = 1ull << 10, // software bit: the page is the file's (image), not owned; writes copy
    PteNoExecute = 1ull << 63,
};
constexpr uint64_t kPteAddressMask = 0x000f'ffff'ffff'f000ull;

/// The PTE of a 4 KiB page (lower half, or the device window of device_memory.cpp),
/// creating the paging structures on the way when `create` is set; nullptr if absent (or
/// ENOMEM while creating).
uint64_t* pte_for(uint64_t virt, bool create);
/// Invalidates this CPU's TLB entry of one page whose entry changed or went away, and
/// notes it for the other CPUs (flush_remote_tlbs, memory.h).
void flush_page(uint64_t virt);
/// Frees a frame that a page-table entry pointed at, after the other CPUs dropped the
/// entry (at the next flush_remote_tlbs, or sooner when many wait).
void free_frame_after_flush(uint64_t phys);
/// Invalidates this CPU's TLB entry only: for an entry that was not present before (no CPU
/// caches a not-present entry, SDM vol. 3A §4.10.2.3).
void flush_page_local(uint64_t virt);

using PteVisitor = void (*)(void* context, uint64_t virt, uint64_t& pte);
/// Calls visit(context, virt, pte) for every lower-half 4 KiB page in [start, end) whose
/// PTE has any bit set, in address order. One pass over the paging structures: a missing
/// page table, directory or PDPT skips its whole 2 MiB, 1 GiB or 512 GiB at once.
void walk_ptes(uint64_t start, uint64_t end, PteVisitor visit, void* context);

/// walk_ptes with a callable fn(virt, pte). `fn` may change the entry; the caller flushes.
template<typename Fn> void for_each_pte(uint64_t start, uint64_t end, Fn&& fn)
{
    using Callable = std::remove_reference_t<Fn>;
    walk_ptes(
        start, end, [](void* context, uint64_t virt, uint64_t& pte) { (*static_cast<Callable*>(context))(virt, pte); },
        const_cast<void*>(static_cast<const void*>(&fn)));
}

/// Unmaps the pages of [start, end), freeing the frames the address space owns (not the
/// image's file pages) and then the page tables left empty (release_page_tables).
void release_pages(uintptr_t start, uintptr_t end);
/// Frees the lower-half page tables, directories and PDPTs that [start, end) reaches and
/// that no longer hold any entry (without this, every distinct 2 MiB that was ever touched
/// kept a page table for good). pte_for(create) makes them again on the next touch. It
/// looks at a directory or PDPT only when one of its tables was freed, so whoever makes
/// tables and then fails to fill them must call this (or undo them) at once.
void release_page_tables(uint64_t start, uint64_t end);

/// Page-table bits for a page of an area with protection `prot` (mm::Protection); file
/// pages are never writable (a write fault copies them).
uint64_t pte_bits(int prot, bool file_page, Sharing sharing = Sharing::Private);

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
