// GapTree: an intrusive AVL tree of disjoint ranges [start, end), keyed by start, in
// which every node records the free gap just below its range (from the previous range's
// end to its start) and caches the largest such gap in its subtree. A free range of a
// given length is then found in O(log n) by skipping every subtree whose gaps are all too
// small (the idea of Linux's rb_subtree_gap and gVisor's maxGap).
//
// Why the gap below each range, and not each subtree's lowest start and highest end:
// inserting or erasing a range changes only its own gap and its successor's, so the
// cached maxima change on few levels and the walk up from a change stops as soon as a
// node comes out unchanged. The two free stretches at the window's edges (below the first
// range, above the last) are kept out of the nodes, so the common mmap pattern, each new
// mapping placed just below the lowest one, touches no cached gap at all.
//
// AVL rather than red-black: lookups dominate (page faults, mmap placement), AVL trees
// are shallower, and the augmentation is recomputed on the way up anyway.
//
// Portable and freestanding: the kernel's address space and the host tests run this code.
// No allocation: nodes are embedded in the caller's objects. Recursion depth is bounded
// by the tree height (at most ~60 for any number of ranges that fits in memory).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace mm {

struct GapTreeNode {
    uintptr_t start = 0, end = 0; // the range this node covers, start < end

    // Bookkeeping (GapTree's).
    GapTreeNode* parent = nullptr;
    GapTreeNode* left = nullptr;
    GapTreeNode* right = nullptr;
    uintptr_t gap_before = 0; // free bytes between the previous range's end and start; 0 for the first range
    uintptr_t max_gap = 0;    // largest gap_before in the subtree
    int height = 0;           // 1 for a leaf
};

namespace gap_tree_detail {

/// The tree's entry points: its root and its lowest and highest ranges.
struct Ends {
    GapTreeNode* root = nullptr;
    GapTreeNode* first = nullptr;
    GapTreeNode* last = nullptr;
};

void insert(Ends& tree, GapTreeNode* node);
void erase(Ends& tree, GapTreeNode* node);
void set_range(Ends& tree, GapTreeNode* node, uintptr_t start, uintptr_t end);
const GapTreeNode* find(const GapTreeNode* root, uintptr_t address);
const GapTreeNode* first_ending_after(const GapTreeNode* root, uintptr_t address);
const GapTreeNode* next(const GapTreeNode* n);
const GapTreeNode* prev(const GapTreeNode* n);

struct Search {
    size_t length;
    uintptr_t alignment, low, high;
};
/// The lowest (or highest) aligned start in [low, high) for `length` free bytes inside the
/// window [lowest, highest), or nullopt.
std::optional<uintptr_t> lowest_fit(const Ends& tree, uintptr_t lowest, uintptr_t highest, const Search& s);
std::optional<uintptr_t> highest_fit(const Ends& tree, uintptr_t lowest, uintptr_t highest, const Search& s);
/// Checks order, disjointness, parent links, heights, balance, recorded gaps, cached
/// maxima and the first and last links; counts nodes into `count`. False on the first
/// problem.
bool check(const Ends& tree, size_t& count);

} // namespace gap_tree_detail

template<typename T, GapTreeNode T::*Link> class GapTree {
public:
    /// The tree manages the window [lowest, highest): free ranges are searched inside it.
    GapTree(uintptr_t lowest, uintptr_t highest) : m_lowest(lowest), m_highest(highest) { }
    GapTree(const GapTree&) = delete;
    GapTree& operator=(const GapTree&) = delete;

    /// Precondition: item's range lies in the window and overlaps no range in the tree.
    void insert(T& item)
    {
        gap_tree_detail::insert(m_tree, &(item.*Link));
        ++m_size;
    }
    /// Precondition: item is in this tree.
    void erase(T& item)
    {
        gap_tree_detail::erase(m_tree, &(item.*Link));
        --m_size;
    }
    /// Changes item's range in place. Precondition: it still overlaps nothing (so the order
    /// of ranges is unchanged). O(log n).
    void set_range(T& item, uintptr_t start, uintptr_t end)
    {
        gap_tree_detail::set_range(m_tree, &(item.*Link), start, end);
    }

    /// The item containing `address`, or nullptr.
    T* find(uintptr_t address) const { return owner(gap_tree_detail::find(m_tree.root, address)); }
    /// The first item whose end is above `address`, or nullptr.
    T* first_ending_after(uintptr_t address) const
    {
        return owner(gap_tree_detail::first_ending_after(m_tree.root, address));
    }
    T* first() const { return owner(m_tree.first); }
    T* last() const { return owner(m_tree.last); }
    T* next(const T& item) const { return owner(gap_tree_detail::next(&(item.*Link))); }
    T* prev(const T& item) const { return owner(gap_tree_detail::prev(&(item.*Link))); }
    size_t size() const { return m_size; }

    /// The lowest start s, a multiple of `alignment` (a power of two), with [s, s + length)
    /// free and inside [low, high) and the window; nullopt if there is none. O(log n) when
    /// every range boundary is a multiple of `alignment`; with a coarser alignment, each
    /// gap that is long enough but cannot hold an aligned range costs one more step.
    std::optional<uintptr_t> find_free_lowest(size_t length, size_t alignment, uintptr_t low, uintptr_t high) const
    {
        if (!clip(length, low, high))
            return std::nullopt;
        return gap_tree_detail::lowest_fit(m_tree, m_lowest, m_highest, { length, alignment, low, high });
    }
    /// The highest such start (Linux's top-down mmap placement).
    std::optional<uintptr_t> find_free_highest(size_t length, size_t alignment, uintptr_t low, uintptr_t high) const
    {
        if (!clip(length, low, high))
            return std::nullopt;
        return gap_tree_detail::highest_fit(m_tree, m_lowest, m_highest, { length, alignment, low, high });
    }
    /// Whether [start, start + length) is inside the window and overlaps no range.
    bool is_free(uintptr_t start, size_t length) const
    {
        if (length == 0 || start < m_lowest || start > m_highest || length > m_highest - start)
            return false;
        const GapTreeNode* n = gap_tree_detail::first_ending_after(m_tree.root, start);
        return !n || n->start >= start + length;
    }

    bool check_invariants() const
    {
        size_t count = 0;
        if (!gap_tree_detail::check(m_tree, count) || count != m_size)
            return false;
        return !m_tree.root || (m_tree.first->start >= m_lowest && m_tree.last->end <= m_highest);
    }

private:
    static T* owner(const GapTreeNode* node)
    {
        if (!node)
            return nullptr;
        // container_of: the offset of Link inside T, from a suitably aligned fake address.
        constexpr uintptr_t kProbe = alignof(T) * 64;
        auto offset = reinterpret_cast<uintptr_t>(&(reinterpret_cast<T*>(kProbe)->*Link)) - kProbe;
        return reinterpret_cast<T*>(reinterpret_cast<uintptr_t>(node) - offset);
    }

    bool clip(size_t length, uintptr_t& low, uintptr_t& high) const
    {
        low = low < m_lowest ? m_lowest : low;
        high = high > m_highest ? m_highest : high;
        return length != 0 && low < high && length <= high - low;
    }

    gap_tree_detail::Ends m_tree;
    size_t m_size = 0;
    uintptr_t m_lowest, m_highest;
};

} // namespace mm
