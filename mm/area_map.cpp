// AreaMap: placing, removing and splitting areas (mmap, munmap). protect and remap are in
// area_map_change.cpp.
#include <mm/area_map.h>

namespace mm {

AreaMap::AreaMap(uintptr_t lowest, uintptr_t highest, uintptr_t mmap_top, PageOps& pages, AreaPool& pool)
    : m_tree(lowest, highest), m_lowest(lowest), m_highest(highest), m_mmap_top(mmap_top), m_pages(pages), m_pool(pool)
{
}

bool AreaMap::fits(uintptr_t start, size_t length) const { return start >= m_lowest && ends_below_top(start, length); }

bool AreaMap::covers(uintptr_t start, size_t length) const
{
    uintptr_t position = start, end = start + length;
    for (const Area* area = m_tree.find(position); area && position < end; area = m_tree.next(*area)) {
        if (area->start() > position)
            return false;
        position = area->end();
    }
    return position >= end;
}

lib::Result<uintptr_t> AreaMap::place(const MapRequest& request, size_t length)
{
    if (request.placement != Placement::Anywhere) {
        if (!area_aligned(request.hint))
            return lib::Error(lib::Errno::INVAL, "mmap: fixed address not page aligned");
        if (length > m_highest - m_lowest || !ends_below_top(request.hint, length))
            return lib::Error(lib::Errno::NOMEM, "mmap: fixed range outside the address space");
        if (request.hint < m_lowest) // Linux: the vm.mmap_min_addr check
            return lib::Error(lib::Errno::PERM, "mmap: fixed address below the lowest mappable address");
        if (m_tree.is_free(request.hint, length))
            return request.hint;
        if (request.placement == Placement::FixedNoReplace)
            return lib::Error(lib::Errno::EXIST, "mmap: MAP_FIXED_NOREPLACE range is in use");
        TRY(remove_range(request.hint, request.hint + length, PageFate::Release));
        return request.hint;
    }
    uintptr_t hint = area_round_up(request.hint);
    if (hint && hint >= request.hint && fits(hint, length) && m_tree.is_free(hint, length))
        return hint;
    auto found = m_tree.find_free_highest(length, kAreaPageSize, m_lowest, m_mmap_top);
    if (!found)
        found = m_tree.find_free_highest(length, kAreaPageSize, m_lowest, m_highest);
    if (!found)
        return lib::Error(lib::Errno::NOMEM, "mmap: no free virtual range of that size");
    return *found;
}

lib::Result<uintptr_t> AreaMap::map(const MapRequest& request)
{
    size_t length = area_round_up(request.length);
    if (request.length == 0 || length < request.length)
        return lib::Error(lib::Errno::INVAL, "mmap: bad length");
    if (!area_aligned(request.file_offset))
        return lib::Error(lib::Errno::INVAL, "mmap: file offset not page aligned");
    if (request.file && !request.file->writable() && request.sharing == Sharing::Shared && (request.prot & ProtWrite))
        return lib::Error(lib::Errno::ACCES, "mmap: writable shared mapping of a read-only file");
    Area* area = m_pool.allocate();
    if (!area)
        return lib::Error(lib::Errno::NOMEM, "mmap: no memory for another mapping");
    auto start = place(request, length);
    if (start.is_error()) {
        m_pool.free(area);
        return start.error();
    }
    area->link.start = start.value();
    area->link.end = start.value() + length;
    area->prot = request.prot;
    area->sharing = request.sharing;
    area->role = request.role;
    area->file = request.file;
    area->file_offset = request.file_offset;
    m_tree.insert(*area);
    if (area->anonymous()) // file mappings never merge: not even the neighbour lookups
        merge_neighbours(*area);
    return start.value();
}

lib::Result<void> AreaMap::unmap(uintptr_t start, size_t length)
{
    if (!area_aligned(start) || length == 0)
        return lib::Error(lib::Errno::INVAL, "munmap: unaligned address or zero length");
    size_t rounded = area_round_up(length);
    if (rounded < length || !ends_below_top(start, rounded))
        return lib::Error(lib::Errno::INVAL, "munmap: range outside the address space");
    // Nothing is ever mapped below m_lowest: that part is a hole, which is fine to unmap.
    uintptr_t end = start + rounded;
    if (end <= m_lowest)
        return {};
    return remove_range(start < m_lowest ? m_lowest : start, end, PageFate::Release);
}

lib::Result<Area*> AreaMap::take_spares(Area** spares, size_t count)
{
    for (size_t i = 0; i < count; ++i) {
        spares[i] = m_pool.allocate();
        if (!spares[i]) {
            give_back(spares, i);
            return lib::Error(lib::Errno::NOMEM, "no memory to split a mapping");
        }
    }
    return count ? spares[0] : nullptr;
}

void AreaMap::give_back(Area** spares, size_t count)
{
    for (size_t i = 0; i < count; ++i)
        if (spares[i])
            m_pool.free(spares[i]);
}

Area* AreaMap::split(Area& area, uintptr_t at, Area& spare)
{
    uintptr_t end = area.end();
    spare = area;
    spare.link = GapTreeNode {};
    spare.link.start = at;
    spare.link.end = end;
    if (!area.anonymous())
        spare.file_offset = area.offset_of(at);
    m_tree.set_range(area, area.start(), at);
    m_tree.insert(spare);
    return &spare;
}

void AreaMap::resize(Area& area, uintptr_t start, uintptr_t end)
{
    if (!area.anonymous() && start > area.start())
        area.file_offset = area.offset_of(start);
    m_tree.set_range(area, start, end);
}

lib::Result<void> AreaMap::remove_range(uintptr_t start, uintptr_t end, PageFate fate, Area* spare)
{
    Area* area = m_tree.first_ending_after(start);
    if (area && area->start() < start && area->end() > end && !spare)
        TRY(take_spares(&spare, 1));
    while (area && area->start() < end) {
        Area* following = m_tree.next(*area);
        uintptr_t low = area->start() > start ? area->start() : start;
        uintptr_t high = area->end() < end ? area->end() : end;
        if (fate == PageFate::Release)
            m_pages.release(*area, low, high);
        if (area->start() < start && area->end() > end) {
            split(*area, end, *spare);
            spare = nullptr;
            m_tree.set_range(*area, area->start(), start);
        } else if (area->start() < start) {
            m_tree.set_range(*area, area->start(), start);
        } else if (area->end() > end) {
            resize(*area, end, area->end());
        } else {
            m_tree.erase(*area);
            m_pool.free(area);
        }
        area = following;
    }
    if (spare)
        m_pool.free(spare);
    return {};
}

Area* AreaMap::merge_neighbours(Area& area)
{
    Area* merged = &area;
    if (Area* before = m_tree.prev(area); before && can_merge(*before, area)) {
        uintptr_t end = area.end();
        m_tree.erase(area);
        m_pool.free(&area);
        m_tree.set_range(*before, before->start(), end);
        merged = before;
    }
    if (Area* after = m_tree.next(*merged); after && can_merge(*merged, *after)) {
        uintptr_t end = after->end();
        m_tree.erase(*after);
        m_pool.free(after);
        m_tree.set_range(*merged, merged->start(), end);
    }
    return merged;
}

} // namespace mm
