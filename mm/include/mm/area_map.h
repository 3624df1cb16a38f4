// The areas of the address space, with Linux's mmap/munmap/mprotect/mremap rules for
// placing, splitting and merging them. Portable: it decides which ranges change and
// tells a PageOps what to do with their pages, so host tests drive the very code the
// kernel runs (mm/address_space.cpp supplies page tables and a frame-backed AreaPool).
//
// Areas live in a GapTree, so finding a free range is O(log n) whatever the number of
// mappings; every operation costs O(log n + areas it touches).
//
// Errors follow Linux (mmap(2), munmap(2), mprotect(2), mremap(2)): EINVAL for bad
// arguments, ENOMEM for no room / unmapped ranges / no memory for an area, EEXIST for
// MAP_FIXED_NOREPLACE over a mapping, EFAULT for mremap of an unmapped range, EACCES for a
// writable shared mapping of a read-only file. A failing call changes nothing.
//
// Not locked itself: the big kernel lock (sched/kernel_lock.cpp) guards it, held by every
// system call and page fault. A lock that owns the map is still to come.
#pragma once

#include <mm/area.h>

#include <lib/result.h>

namespace mm {

constexpr size_t kAreaPageSize = 4096;
constexpr uintptr_t area_round_up(uintptr_t v) { return (v + kAreaPageSize - 1) & ~uintptr_t(kAreaPageSize - 1); }
constexpr bool area_aligned(uintptr_t v) { return (v & (kAreaPageSize - 1)) == 0; }

/// What happens to the pages behind areas when areas change. The kernel implements it
/// with its page tables; host tests record the calls.
class PageOps {
public:
    /// The pages of [start, end), inside `area`, leave the address space.
    virtual void release(const Area& area, uintptr_t start, uintptr_t end) = 0;
    /// The pages of [start, end), inside `area` (whose prot is already `area.prot`), change
    /// protection.
    virtual void reprotect(const Area& area, uintptr_t start, uintptr_t end) = 0;
    /// The pages of [from, from + length) move to [to, to + length) (mremap); the ranges
    /// do not overlap and the destination has no pages. Returns false, having moved
    /// nothing, when there is no memory for the destination's page tables.
    virtual bool move(uintptr_t from, uintptr_t to, size_t length) = 0;

protected:
    ~PageOps() = default;
};

/// Where Area objects come from. allocate() returns nullptr when none is left.
class AreaPool {
public:
    virtual Area* allocate() = 0;
    virtual void free(Area* area) = 0;

protected:
    ~AreaPool() = default;
};

enum class Placement {
    Anywhere,       // the hint is only a hint
    FixedReplace,   // MAP_FIXED: exactly at the hint, replacing what is there
    FixedNoReplace, // MAP_FIXED_NOREPLACE: exactly at the hint, EEXIST if anything is there
};

struct MapRequest {
    uintptr_t hint = 0;
    size_t length = 0; // bytes, rounded up to pages
    Placement placement = Placement::Anywhere;
    int prot = ProtNone;
    Sharing sharing = Sharing::Private;
    AreaRole role = AreaRole::Plain;
    const MappedFile* file = nullptr; // nullptr: anonymous
    uint64_t file_offset = 0;         // page aligned
};

/// mremap(2) flags.
enum RemapFlags : int { RemapMayMove = 1, RemapFixed = 2 };

class AreaMap {
public:
    /// Areas are kept in [lowest, highest); free ranges for non-fixed mappings are
    /// searched top-down below `mmap_top`, like Linux's default mmap layout.
    AreaMap(uintptr_t lowest, uintptr_t highest, uintptr_t mmap_top, PageOps& pages, AreaPool& pool);

    /// mmap(2): returns the start of the new mapping. Anonymous mappings merge with
    /// compatible neighbours.
    lib::Result<uintptr_t> map(const MapRequest& request);
    /// munmap(2): any sub-range; areas straddling its ends are split. Holes are fine.
    lib::Result<void> unmap(uintptr_t start, size_t length);
    /// mprotect(2): the whole range must be mapped (else ENOMEM); splits, then merges.
    lib::Result<void> protect(uintptr_t start, size_t length, int prot);
    /// mremap(2) with flags RemapFlags: shrink, grow in place, or move (page-table entries
    /// move; nothing is copied). Returns the new start.
    lib::Result<uintptr_t> remap(
        uintptr_t old_start, size_t old_length, size_t new_length, int flags, uintptr_t new_start);

    /// The area containing `address`, or nullptr.
    const Area* find(uintptr_t address) const { return m_tree.find(address); }
    /// The first area ending above `address` (containing it, or the next one), or nullptr.
    const Area* first_ending_after(uintptr_t address) const { return m_tree.first_ending_after(address); }
    /// Whether every page of [start, start + length) is in some area.
    bool covers(uintptr_t start, size_t length) const;
    const Area* first() const { return m_tree.first(); }
    const Area* next(const Area& area) const { return m_tree.next(area); }
    size_t count() const { return m_tree.size(); }
    bool check_invariants() const { return m_tree.check_invariants(); }

private:
    using Tree = GapTree<Area, &Area::link>;
    enum class PageFate { Release, Moved };

    lib::Result<uintptr_t> place(const MapRequest& request, size_t length);
    /// Removes [start, end) from the areas; `spare` (freed if unused) serves the split of an
    /// area straddling both ends, else one is taken from the pool.
    lib::Result<void> remove_range(uintptr_t start, uintptr_t end, PageFate fate, Area* spare = nullptr);
    lib::Result<Area*> take_spares(Area** spares, size_t count);
    void give_back(Area** spares, size_t count);
    Area* split(Area& area, uintptr_t at, Area& spare);
    Area* merge_neighbours(Area& area);
    void resize(Area& area, uintptr_t start, uintptr_t end);
    lib::Result<uintptr_t> move(
        Area& area, uintptr_t old_start, size_t old_length, size_t new_length, int flags, uintptr_t new_start);
    bool fits(uintptr_t start, size_t length) const;
    /// [start, start + length) ends at or below the top (it may start below m_lowest).
    bool ends_below_top(uintptr_t start, size_t length) const
    {
        return length <= m_highest && start <= m_highest - length;
    }

    Tree m_tree;
    uintptr_t m_lowest, m_highest, m_mmap_top;
    PageOps& m_pages;
    AreaPool& m_pool;
};

} // namespace mm
