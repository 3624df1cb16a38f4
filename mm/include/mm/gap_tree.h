// GapTree: an intrusive AVL tree of disjoint ranges [start, end), keyed by start, in
// which every node caches facts about its subtree (lowest start, highest end, largest free
// gap between two of its ranges). Those facts depend only on the node and its children,
// so rotations and in-place range changes keep them right with O(log n) work, and a free
// range of a given length is found in O(log n) by skipping every subtree whose gaps are
// all too small (the idea of Linux's rb_subtree_gap and gVisor's maxGap).
//
// AVL rather than red-black: lookups dominate (page faults, mmap placement), AVL trees
// are shallower, and the augmentation is recomputed on the way up anyway.
//
// Portable and freestanding: the kernel's address space and the host tests run this code.
// No allocation: nodes are embedded in the caller's objects. Recursion depth is bounded
// by twice the tree height (at most ~60 for any number of ranges that fits in memory).
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
    uintptr_t min_start = 0; // lowest start in the subtree
    uintptr_t max_end = 0;   // highest end in the subtree
    uintptr_t max_gap = 0;   // largest hole between two consecutive ranges of the subtree
    int height = 0;          // 1 for a leaf
};

namespace gap_tree_detail {

int height(const GapTreeNode* n);
void update(GapTreeNode* n);
/// Re-links `child` where `old` was under `parent` (or as the root).
void replace_child(GapTreeNode*& root, GapTreeNode* parent, GapTreeNode* old, GapTreeNode* child);
void insert(GapTreeNode*& root, GapTreeNode* node);
void erase(GapTreeNode*& root, GapTreeNode* node);
const GapTreeNode* find(const GapTreeNode* root, uintptr_t address);
const GapTreeNode* first_ending_after(const GapTreeNode* root, uintptr_t address);
const GapTreeNode* leftmost(const GapTreeNode* n);
const GapTreeNode* rightmost(const GapTreeNode* n);
const GapTreeNode* next(const GapTreeNode* n);
const GapTreeNode* prev(const GapTreeNode* n);

struct Search {
    size_t length;
    uintptr_t alignment, low, high;
};
/// The lowest (or highest) aligned start in [low, high) for `length` free bytes, between
/// ranges of the subtree `n`, whose neighbours outside it end at `before_end` and start at
/// `after_start`.
std::optional<uintptr_t> lowest_fit(const GapTreeNode* n, uintptr_t before_end, uintptr_t after_start, const Search& s);
std::optional<uintptr_t> highest_fit(const GapTreeNode* n, uintptr_t before_end, uintptr_t after_start, const Search& s);
/// Checks order, disjointness, parent links, heights, balance and cached facts; counts
/// nodes into `count`. False on the first problem.
bool check(const GapTreeNode* n, const GapTreeNode* parent, size_t& count);

} // namespace gap_tree_detail

template<typename T, GapTreeNode T::*Link>
class GapTree {
public:
    /// The tree manages the window [lowest, highest): free ranges are searched inside it.
    GapTree(uintptr_t lowest, uintptr_t highest) : m_lowest(lowest), m_highest(highest) { }
    GapTree(const GapTree&) = delete;
    GapTree& operator=(const GapTree&) = delete;

    /// Precondition: item's range lies in the window and overlaps no range in the tree.
    void insert(T& item)
    {
        gap_tree_detail::insert(m_root, &(item.*Link));
        ++m_size;
    }
    /// Precondition: item is in this tree.
    void erase(T& item)
    {
        gap_tree_detail::erase(m_root, &(item.*Link));
        --m_size;
    }
    /// Changes item's range in place. Precondition: it still overlaps nothing (so the order
    /// of ranges is unchanged). O(log n).
    void set_range(T& item, uintptr_t start, uintptr_t end)
    {
        GapTreeNode& node = item.*Link;
        node.start = start;
        node.end = end;
        for (GapTreeNode* n = &node; n; n = n->parent)
            gap_tree_detail::update(n);
    }

    /// The item containing `address`, or nullptr.
    T* find(uintptr_t address) const { return owner(gap_tree_detail::find(m_root, address)); }
    /// The first item whose end is above `address`, or nullptr.
    T* first_ending_after(uintptr_t address) const { return owner(gap_tree_detail::first_ending_after(m_root, address)); }
    T* first() const { return owner(gap_tree_detail::leftmost(m_root)); }
    T* last() const { return owner(gap_tree_detail::rightmost(m_root)); }
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
        return gap_tree_detail::lowest_fit(m_root, m_lowest, m_highest, { length, alignment, low, high });
    }
    /// The highest such start (Linux's top-down mmap placement).
    std::optional<uintptr_t> find_free_highest(size_t length, size_t alignment, uintptr_t low, uintptr_t high) const
    {
        if (!clip(length, low, high))
            return std::nullopt;
        return gap_tree_detail::highest_fit(m_root, m_lowest, m_highest, { length, alignment, low, high });
    }
    /// Whether [start, start + length) is inside the window and overlaps no range.
    bool is_free(uintptr_t start, size_t length) const
    {
        if (length == 0 || start < m_lowest || start > m_highest || length > m_highest - start)
            return false;
        const GapTreeNode* n = gap_tree_detail::first_ending_after(m_root, start);
        return !n || n->start >= start + length;
    }

    bool check_invariants() const
    {
        size_t count = 0;
        if (!gap_tree_detail::check(m_root, nullptr, count) || count != m_size)
            return false;
        return !m_root || (m_root->min_start >= m_lowest && m_root->max_end <= m_highest);
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

    GapTreeNode* m_root = nullptr;
    size_t m_size = 0;
    uintptr_t m_lowest, m_highest;
};

} // namespace mm
