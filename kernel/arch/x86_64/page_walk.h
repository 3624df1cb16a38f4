// One read-only walk of the x86-64 4-level page tables (Intel SDM vol. 3A §4.5), for code
// that asks what maps an address: mm::kernel_half_mapped (system-call buffers in the kernel
// half) and the crash reporter's safe reads (kernel/debug/safe_memory.cpp), which also walks
// boot.S's tables before mm has its own. Each caller says how a table's physical address
// becomes a pointer.
#pragma once

#include <cstdint>

namespace arch {

/// What maps one address: the leaf entry (0 when absent), with its writable bit set only if
/// every level allows writes (SDM vol. 3A §4.6.1), and the bytes that entry maps (4 KiB,
/// 2 MiB or 1 GiB; for an absent one, the span of the level where the walk stopped).
struct PageMapping {
    uint64_t entry;
    uint64_t size;
};

inline constexpr uint64_t kPageEntryPresent = 1, kPageEntryWritable = 1 << 1;

/// Walks from the PML4 at `pml4` to the entry that maps `address`. `table_at(phys)` gives a
/// pointer to the table at physical address `phys`.
template<typename TableAt> PageMapping walk_page_tables(const uint64_t* pml4, uint64_t address, TableAt table_at)
{
    constexpr uint64_t kHuge = 1 << 7, kAddressMask = 0x000f'ffff'ffff'f000;
    const uint64_t* table = pml4;
    uint64_t writable = kPageEntryWritable;
    for (int shift = 39;; shift -= 9) {
        uint64_t entry = table[(address >> shift) & 511];
        if (!(entry & kPageEntryPresent))
            return { 0, uint64_t(1) << shift };
        writable &= entry;
        if (shift == 12 || (shift <= 30 && (entry & kHuge)))
            return { (entry & ~kPageEntryWritable) | writable, uint64_t(1) << shift };
        table = table_at(entry & kAddressMask);
    }
}

} // namespace arch
