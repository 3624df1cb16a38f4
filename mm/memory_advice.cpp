// madvise, msync, mincore and brk on the address space (address_space.h).
#include <mm/address_space.h>
#include <mm/memory.h>
#include <mm/page_frames_internal.h>

namespace mm {

namespace {

constexpr uintptr_t kBrkBase = 0x5600'0000'0000, kBrkLimit = kBrkBase + (64ull << 30);
uintptr_t g_break = kBrkBase;

bool aligned(uintptr_t v) { return (v & (kPageSize - 1)) == 0; }

/// The checks madvise, msync and mincore share: EINVAL for an unaligned start, ENOMEM when
/// part of the range is outside the address space or unmapped. An empty range is valid
/// anywhere (Linux returns 0 before looking at the mappings).
lib::Result<size_t> mapped_range(uintptr_t addr, size_t length)
{
    if (!aligned(addr))
        return lib::Error(lib::Errno::INVAL, "address not page aligned");
    if (length == 0)
        return size_t(0);
    size_t rounded = page_round_up(length);
    if (rounded < length || addr < kUserBase || addr > kUserTop || rounded > kUserTop - addr)
        return lib::Error(lib::Errno::NOMEM, "range outside the address space");
    if (rounded && !areas().covers(addr, rounded))
        return lib::Error(lib::Errno::NOMEM, "range is not entirely mapped");
    return rounded;
}

} // namespace

lib::Result<void> advise(uintptr_t addr, size_t length, Advice advice)
{
    if (page_round_up(length) < length)
        return lib::Error(lib::Errno::INVAL, "madvise: length wraps around");
    size_t rounded = TRY(mapped_range(addr, length));
    if (rounded == 0)
        return {};
    uintptr_t end = addr + rounded;
    // MADV_FREE applies to private anonymous memory only (Linux: EINVAL for anything else,
    // before any page is dropped; a private file page's copy would revert to the file).
    for (const Area* area = areas().find(addr); advice == Advice::Free && area && area->start() < end;
         area = areas().next(*area))
        if (!area->anonymous() || area->sharing != Sharing::Private)
            return lib::Error(lib::Errno::INVAL, "MADV_FREE on a file or shared mapping");
    for (const Area* area = areas().find(addr); area && area->start() < end; area = areas().next(*area)) {
        uintptr_t low = area->start() > addr ? area->start() : addr;
        uintptr_t high = area->end() < end ? area->end() : end;
        if (advice == Advice::DontNeed || advice == Advice::Free) {
            // Private pages go back to zero (anonymous) or to the file's content. Shared
            // anonymous memory keeps its content (Linux's shmem: the pages are only
            // unmapped and come back on the next touch); here nothing else maps those
            // frames, so they simply stay.
            if (area->anonymous() && area->sharing == Sharing::Shared)
                continue;
            release_pages(low, high);
        } else if (advice == Advice::WillNeed) {
            TRY(populate(low, high - low, Access::Read));
        }
    }
    return {};
}

lib::Result<void> check_mapped(uintptr_t addr, size_t length)
{
    TRY(mapped_range(addr, length));
    return {};
}

lib::Result<void> residency(uintptr_t addr, size_t length, uint8_t* vector)
{
    size_t rounded = TRY(mapped_range(addr, length));
    for (size_t i = 0; i < rounded / kPageSize; ++i) {
        uint64_t* pte = pte_for(addr + i * kPageSize, false);
        vector[i] = pte && (*pte & PteBacked) ? 1 : 0;
    }
    return {};
}

uintptr_t brk(uintptr_t new_break)
{
    uintptr_t old_top = page_round_up(g_break), new_top = page_round_up(new_break);
    if (new_break < kBrkBase || new_break > kBrkLimit)
        return g_break;
    if (new_top > old_top) {
        auto grown = map_anonymous(
            old_top, new_top - old_top, ProtRead | ProtWrite, Placement::FixedNoReplace, AreaRole::Heap);
        if (grown.is_error())
            return g_break;
    } else if (new_top < old_top) {
        (void)unmap(new_top, old_top - new_top);
    }
    g_break = new_break;
    return g_break;
}

} // namespace mm
