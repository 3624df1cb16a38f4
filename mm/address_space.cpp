// FIRST CUT of the address space (see address_space.h): a sorted array of areas searched
// linearly, eager population (except PROT_NONE reservations, populated page by page when
// mprotect makes them accessible). Issue 3 replaces this with the gap-indexed VMA tree and
// demand paging.
#include <mm/address_space.h>
#include <mm/memory.h>
#include <mm/page_frames_internal.h>

#include <kernel/boot/vm_exit.h>

namespace mm {

namespace {

struct Area {
    uintptr_t start, end; // [start, end), page aligned
    int prot;
};

constexpr size_t kMaxAreas = 4096;
constexpr uintptr_t kMmapTop = 0x7fff'f000'0000; // mmap area grows down from here, like Linux
constexpr uintptr_t kBrkBase = 0x5600'0000'0000, kBrkLimit = kBrkBase + (64ull << 30);

Area g_areas[kMaxAreas];
size_t g_count;
uintptr_t g_break = kBrkBase;

uint64_t pte_bits(int prot)
{
    uint64_t bits = PteBacked;
    if (prot != ProtNone)
        bits |= PtePresent;
    if (prot & ProtWrite)
        bits |= PteWritable;
    if (!(prot & ProtExec))
        bits |= PteNoExecute;
    return bits;
}

bool insert_area(uintptr_t start, uintptr_t end, int prot)
{
    if (g_count == kMaxAreas)
        return false;
    size_t i = 0;
    while (i < g_count && g_areas[i].start < start)
        ++i;
    for (size_t j = g_count; j > i; --j)
        g_areas[j] = g_areas[j - 1];
    g_areas[i] = { start, end, prot };
    ++g_count;
    return true;
}

void erase_area(size_t i)
{
    for (size_t j = i; j + 1 < g_count; ++j)
        g_areas[j] = g_areas[j + 1];
    --g_count;
}

/// Removes [start, end) from the area list, splitting areas that straddle it.
bool carve(uintptr_t start, uintptr_t end)
{
    for (size_t i = 0; i < g_count;) {
        Area a = g_areas[i];
        if (a.end <= start || a.start >= end) {
            ++i;
            continue;
        }
        erase_area(i);
        if (a.start < start && !insert_area(a.start, start, a.prot))
            return false;
        if (a.end > end && !insert_area(end, a.end, a.prot))
            return false;
        i = 0; // the array shifted; areas are few in this first cut
    }
    return true;
}

bool range_free(uintptr_t start, uintptr_t end)
{
    for (size_t i = 0; i < g_count; ++i)
        if (g_areas[i].start < end && g_areas[i].end > start)
            return false;
    return true;
}

/// Highest free range of `length` bytes below kMmapTop (top-down, Linux's default).
uintptr_t find_free_top_down(size_t length)
{
    uintptr_t ceiling = kMmapTop;
    for (size_t i = g_count; i-- > 0;) {
        if (g_areas[i].start >= ceiling)
            continue;
        if (g_areas[i].end <= ceiling && ceiling - g_areas[i].end >= length)
            return ceiling - length;
        ceiling = g_areas[i].start < ceiling ? g_areas[i].start : ceiling;
    }
    return ceiling - kUserBase >= length ? ceiling - length : 0;
}

void release_pages(uintptr_t start, uintptr_t end)
{
    for (uintptr_t va = start; va < end; va += kPageSize) {
        uint64_t* pte = pte_for(va, false);
        if (!pte || !(*pte & (PtePresent | PteBacked)))
            continue;
        free_frame(*pte & kPteAddressMask);
        *pte = 0;
        flush_page(va);
    }
}

lib::Result<void> populate(uintptr_t start, uintptr_t end, int prot)
{
    for (uintptr_t va = start; va < end; va += kPageSize) {
        uint64_t* pte = pte_for(va, true);
        if (!pte)
            return lib::Error(lib::Errno::NOMEM, "out of memory for page tables");
        uint64_t frame = TRY(alloc_frame());
        *pte = frame | pte_bits(prot);
    }
    return {};
}

bool backed(uintptr_t va)
{
    uint64_t* pte = pte_for(va, false);
    return pte && (*pte & PteBacked);
}

/// Gives frames to the pages of [start, end) that a PROT_NONE mapping left without (see
/// map_anonymous). ENOMEM up front when the free frames cannot cover them; a failure past
/// that check (page tables) leaves some pages backed, freed by munmap as usual.
lib::Result<void> populate_reserved(uintptr_t start, uintptr_t end, int prot)
{
    uint64_t needed = 0;
    for (uintptr_t va = start; va < end; va += kPageSize)
        needed += backed(va) ? 0 : 1;
    if (needed > frame_stats().free_frames)
        return lib::Error(lib::Errno::NOMEM, "mprotect: out of physical memory");
    for (uintptr_t va = start; va < end; va += kPageSize)
        if (!backed(va))
            TRY(populate(va, va + kPageSize, prot));
    return {};
}

bool valid_user_range(uintptr_t start, size_t length)
{
    return start >= kUserBase && length <= kUserTop && start <= kUserTop - length;
}

} // namespace

lib::Result<uintptr_t> map_anonymous(uintptr_t hint, size_t length, int prot, Placement placement)
{
    if (length == 0)
        return lib::Error(lib::Errno::INVAL, "mmap: zero length");
    length = page_round_up(length);
    uintptr_t start = 0;
    if (placement != Placement::Anywhere) {
        if (hint % kPageSize || !valid_user_range(hint, length))
            return lib::Error(lib::Errno::INVAL, "mmap: bad fixed address");
        if (!range_free(hint, hint + length)) {
            if (placement == Placement::FixedNoReplace)
                return lib::Error(lib::Errno::EXIST, "mmap: range in use");
            TRY(unmap(hint, length));
        }
        start = hint;
    } else if (hint && hint % kPageSize == 0 && valid_user_range(hint, length) && range_free(hint, hint + length)) {
        start = hint;
    } else if (!(start = find_free_top_down(length))) {
        return lib::Error(lib::Errno::NOMEM, "mmap: no free virtual range");
    }
    if (!insert_area(start, start + length, prot))
        return lib::Error(lib::Errno::NOMEM, "mmap: too many mappings (first-cut limit)");
    // A PROT_NONE mapping is a reservation (mimalloc reserves 32 MiB segments this way):
    // its pages get frames when mprotect first makes them accessible (protect below).
    if (prot == ProtNone)
        return start;
    auto populated = populate(start, start + length, prot);
    if (populated.is_error()) {
        (void)unmap(start, length);
        return populated.error();
    }
    return start;
}

lib::Result<void> unmap(uintptr_t addr, size_t length)
{
    if (addr % kPageSize || length == 0 || !valid_user_range(addr, page_round_up(length)))
        return lib::Error(lib::Errno::INVAL, "munmap: bad range");
    uintptr_t end = addr + page_round_up(length);
    release_pages(addr, end);
    if (!carve(addr, end))
        return lib::Error(lib::Errno::NOMEM, "munmap: too many mappings (first-cut limit)");
    return {};
}

lib::Result<void> protect(uintptr_t addr, size_t length, int prot)
{
    if (addr % kPageSize || !valid_user_range(addr, page_round_up(length)))
        return lib::Error(lib::Errno::INVAL, "mprotect: bad range");
    uintptr_t end = addr + page_round_up(length);
    if (!is_mapped(addr, end - addr, ProtNone))
        return lib::Error(lib::Errno::NOMEM, "mprotect: range not mapped");
    if (prot != ProtNone)
        TRY(populate_reserved(addr, end, prot)); // first: on ENOMEM the areas stay as they were
    if (!carve(addr, end) || !insert_area(addr, end, prot))
        return lib::Error(lib::Errno::NOMEM, "mprotect: too many mappings (first-cut limit)");
    for (uintptr_t va = addr; va < end; va += kPageSize) {
        uint64_t* pte = pte_for(va, false);
        if (pte && (*pte & PteBacked)) {
            *pte = (*pte & kPteAddressMask) | pte_bits(prot);
            flush_page(va);
        }
    }
    return {};
}

bool is_mapped(uintptr_t addr, size_t length, int prot)
{
    uintptr_t pos = addr, end = addr + length;
    for (size_t i = 0; i < g_count && pos < end; ++i) {
        const Area& a = g_areas[i];
        if (a.end <= pos)
            continue;
        if (a.start > pos || (a.prot & prot) != prot)
            return false;
        pos = a.end;
    }
    return pos >= end;
}

uintptr_t brk(uintptr_t new_break)
{
    uintptr_t old_top = page_round_up(g_break), new_top = page_round_up(new_break);
    if (new_break < kBrkBase || new_break > kBrkLimit)
        return g_break;
    if (new_top > old_top) {
        auto mapped = map_anonymous(old_top, new_top - old_top, ProtRead | ProtWrite, Placement::FixedNoReplace);
        if (mapped.is_error())
            return g_break;
    } else if (new_top < old_top) {
        (void)unmap(new_top, old_top - new_top);
    }
    g_break = new_break;
    return g_break;
}

} // namespace mm
