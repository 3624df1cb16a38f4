// AreaMap: changing existing areas (mprotect, mremap).
#include <mm/area_map.h>

namespace mm {

lib::Result<void> AreaMap::protect(uintptr_t start, size_t length, int prot)
{
    if (!area_aligned(start))
        return lib::Error(lib::Errno::INVAL, "mprotect: address not page aligned");
    size_t rounded = area_round_up(length);
    if (rounded < length || (rounded && !fits(start, rounded)))
        return lib::Error(lib::Errno::NOMEM, "mprotect: range outside the address space");
    if (rounded == 0)
        return {};
    uintptr_t end = start + rounded;
    if (!covers(start, rounded))
        return lib::Error(lib::Errno::NOMEM, "mprotect: range is not entirely mapped");
    for (const Area* a = m_tree.find(start); a && a->start() < end; a = m_tree.next(*a))
        if (a->file && !a->file->writable() && a->sharing == Sharing::Shared && (prot & ProtWrite))
            return lib::Error(lib::Errno::ACCES, "mprotect: writable shared mapping of a read-only file");

    Area* first = m_tree.find(start);
    Area* last = m_tree.find(end - 1);
    Area* spares[2] = {};
    TRY(take_spares(spares, 2));
    if (first->start() < start && first->prot != prot) {
        split(*first, start, *spares[0]);
        spares[0] = nullptr;
        last = m_tree.find(end - 1);
    }
    if (last->end() > end && last->prot != prot) {
        split(*last, end, *spares[1]);
        spares[1] = nullptr;
    }
    give_back(spares, 2);

    for (Area* area = m_tree.find(start); area && area->start() < end;) {
        if (area->prot != prot) {
            area->prot = prot;
            m_pages.reprotect(*area, area->start(), area->end());
        }
        area = m_tree.next(*merge_neighbours(*area));
    }
    return {};
}

lib::Result<uintptr_t> AreaMap::remap(
    uintptr_t old_start, size_t old_length, size_t new_length, int flags, uintptr_t new_start)
{
    if (!area_aligned(old_start) || (flags & ~(RemapMayMove | RemapFixed)))
        return lib::Error(lib::Errno::INVAL, "mremap: unaligned address or unknown flags");
    if ((flags & RemapFixed) && !(flags & RemapMayMove))
        return lib::Error(lib::Errno::INVAL, "mremap: MREMAP_FIXED needs MREMAP_MAYMOVE");
    size_t old_size = area_round_up(old_length), new_size = area_round_up(new_length);
    if (new_length == 0 || new_size < new_length || old_size < old_length)
        return lib::Error(lib::Errno::INVAL, "mremap: bad length");
    if (old_size == 0)
        return lib::Error(lib::Errno::INVAL, "mremap: duplicating a mapping (old size 0) is not supported");
    if (old_size > m_highest - old_start) // (an old_start above the top is EFAULT below: nothing there)
        return lib::Error(lib::Errno::INVAL, "mremap: old range beyond the address space");
    Area* area = m_tree.find(old_start);
    if (!area)
        return lib::Error(lib::Errno::FAULT, "mremap: nothing mapped at the old address");
    if (new_size <= old_size && !(flags & RemapFixed)) {
        // As Linux: shrinking unmaps the tail whatever it covers (several areas, holes).
        if (new_size < old_size)
            TRY(remove_range(old_start + new_size, old_start + old_size, PageFate::Release));
        return old_start;
    }
    if ((flags & RemapFixed) && (!area_aligned(new_start) || !ends_below_top(new_start, new_size)))
        return lib::Error(lib::Errno::INVAL, "mremap: bad MREMAP_FIXED address");
    if ((flags & RemapFixed) && new_start < old_start + old_size && old_start < new_start + new_size)
        return lib::Error(lib::Errno::INVAL, "mremap: old and new ranges overlap");
    // What stays (moved or grown) must lie in one area; a tail cut off by MREMAP_FIXED need not.
    size_t kept = new_size < old_size ? new_size : old_size;
    if (kept > area->end() - old_start)
        return lib::Error(lib::Errno::FAULT, "mremap: old range is not one mapping");
    if (flags & RemapFixed)
        return move(*area, old_start, old_size, new_size, flags, new_start);
    uintptr_t old_end = old_start + old_size;
    size_t growth = new_size - old_size;
    if (area->end() == old_end && fits(old_end, growth) && m_tree.is_free(old_end, growth)) {
        m_tree.set_range(*area, area->start(), old_end + growth);
        merge_neighbours(*area);
        return old_start;
    }
    if (!(flags & RemapMayMove))
        return lib::Error(lib::Errno::NOMEM, "mremap: cannot grow in place and MREMAP_MAYMOVE not given");
    return move(*area, old_start, old_size, new_size, flags, new_start);
}

/// Moves [old_start, old_start + old_size) of `area` to a new area of new_size bytes (at
/// new_start with RemapFixed, else wherever there is room), carrying its pages.
lib::Result<uintptr_t> AreaMap::move(
    Area& area, uintptr_t old_start, size_t old_size, size_t new_size, int flags, uintptr_t new_start)
{
    bool fixed = flags & RemapFixed; // new_start checked by remap(); below m_lowest, map() says EPERM
    MapRequest request { .hint = new_start,
        .length = new_size,
        .placement = fixed ? Placement::FixedReplace : Placement::Anywhere,
        .prot = area.prot,
        .sharing = area.sharing,
        .role = area.role,
        .file = area.file,
        .file_offset = area.anonymous() ? 0 : area.offset_of(old_start) };
    if (!fixed)
        request.hint = 0;
    size_t carried = old_size < new_size ? old_size : new_size;
    // Reserve the area that may split off the old mapping before anything changes, so
    // that once pages start moving nothing can fail.
    Area* spare = nullptr;
    TRY(take_spares(&spare, 1));
    auto placed = map(request);
    if (placed.is_error()) {
        give_back(&spare, 1);
        return placed.error();
    }
    if (!m_pages.move(old_start, placed.value(), carried)) {
        (void)remove_range(placed.value(), placed.value() + new_size, PageFate::Release, spare);
        return lib::Error(lib::Errno::NOMEM, "mremap: no memory for page tables to move the pages");
    }
    // map() may have merged the new area with the old one: remove_range looks the old range
    // up again. A cut-off tail (which may cover several areas) is released; the spare serves
    // whichever removal splits an area, and the second removal then never needs to split.
    if (carried < old_size) {
        (void)remove_range(old_start + carried, old_start + old_size, PageFate::Release, spare);
        spare = nullptr;
    }
    (void)remove_range(old_start, old_start + carried, PageFate::Moved, spare);
    return placed.value();
}

} // namespace mm
