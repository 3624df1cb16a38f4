// GapTree's untyped part (gap_tree.h): AVL insertion, deletion and rotations, the recorded
// gaps and their cached maxima, and the free-range searches.
#include <mm/gap_tree.h>

namespace mm::gap_tree_detail {

namespace {

int height(const GapTreeNode* n) { return n ? n->height : 0; }
uintptr_t max_gap(const GapTreeNode* n) { return n ? n->max_gap : 0; }

/// Recomputes n's height and largest gap from its own gap and its children; true if
/// either changed.
bool update(GapTreeNode* n)
{
    int left = height(n->left), right = height(n->right);
    int new_height = 1 + (left > right ? left : right);
    uintptr_t gap = n->gap_before, left_gap = max_gap(n->left), right_gap = max_gap(n->right);
    gap = left_gap > gap ? left_gap : gap;
    gap = right_gap > gap ? right_gap : gap;
    bool changed = new_height != n->height || gap != n->max_gap;
    n->height = new_height;
    n->max_gap = gap;
    return changed;
}

/// Re-links `child` where `old` was under `parent` (or as the root).
void replace_child(GapTreeNode*& root, GapTreeNode* parent, GapTreeNode* old, GapTreeNode* child)
{
    if (!parent)
        root = child;
    else if (parent->left == old)
        parent->left = child;
    else
        parent->right = child;
    if (child)
        child->parent = parent;
}

void rotate_left(GapTreeNode*& root, GapTreeNode* x)
{
    GapTreeNode* y = x->right;
    x->right = y->left;
    if (y->left)
        y->left->parent = x;
    replace_child(root, x->parent, x, y);
    y->left = x;
    x->parent = y;
    update(x);
    update(y);
}

void rotate_right(GapTreeNode*& root, GapTreeNode* x)
{
    GapTreeNode* y = x->left;
    x->left = y->right;
    if (y->right)
        y->right->parent = x;
    replace_child(root, x->parent, x, y);
    y->right = x;
    x->parent = y;
    update(x);
    update(y);
}

/// Restores the balance and the cached facts of the nodes from `n` up to the root after a
/// change of n's children. Every node up to and including `through` is recomputed; above
/// it the walk stops at the first node that comes out unchanged: a node's facts depend
/// only on its own gap and its children's, so nothing above it can change either.
void fix_upward(GapTreeNode*& root, GapTreeNode* n, const GapTreeNode* through = nullptr)
{
    bool forced = through != nullptr;
    while (n) {
        if (n == through)
            forced = false;
        int factor = height(n->left) - height(n->right);
        if (factor > 1) {
            if (height(n->left->left) < height(n->left->right))
                rotate_left(root, n->left);
            rotate_right(root, n);
            n = n->parent; // the subtree's new root: its parent's child link changed
        } else if (factor < -1) {
            if (height(n->right->right) < height(n->right->left))
                rotate_right(root, n->right);
            rotate_left(root, n);
            n = n->parent;
        } else if (!update(n) && !forced) {
            return;
        }
        n = n->parent;
    }
}

/// Records `gap` as the free space below n and recomputes n and its ancestors, up to the
/// first that comes out unchanged.
void set_gap_before(GapTreeNode* n, uintptr_t gap)
{
    n->gap_before = gap;
    while (n && update(n))
        n = n->parent;
}

const GapTreeNode* leftmost(const GapTreeNode* n)
{
    while (n && n->left)
        n = n->left;
    return n;
}

const GapTreeNode* rightmost(const GapTreeNode* n)
{
    while (n && n->right)
        n = n->right;
    return n;
}

/// The aligned start that fits `s.length` bytes in the free stretch [from, to), lowest or
/// highest, or nullopt.
std::optional<uintptr_t> fit_in(uintptr_t from, uintptr_t to, const Search& s, bool highest)
{
    from = from > s.low ? from : s.low;
    to = to < s.high ? to : s.high;
    if (from >= to || to - from < s.length)
        return std::nullopt;
    uintptr_t mask = s.alignment - 1;
    if (highest) {
        uintptr_t start = (to - s.length) & ~mask;
        return start >= from ? std::optional(start) : std::nullopt;
    }
    uintptr_t start = (from + mask) & ~mask;
    return start >= from && start <= to - s.length ? std::optional(start) : std::nullopt;
}

/// Whether subtree `n`, whose gaps all lie in [before_end, after_start), may hold the
/// search: its largest gap must be long enough, and that stretch must meet [low, high) with
/// room for it. A subtree straddling low or high can pass and still hold no fit; only
/// the subtrees on the two paths to those bounds can.
bool worth_visiting(const GapTreeNode* n, uintptr_t before_end, uintptr_t after_start, const Search& s)
{
    if (n->max_gap < s.length)
        return false;
    uintptr_t from = before_end > s.low ? before_end : s.low;
    uintptr_t to = after_start < s.high ? after_start : s.high;
    return from < to && to - from >= s.length;
}

// The searches walk down one spine of a subtree worth visiting. At each node, in address
// order: the subtree on the near side (left for the lowest fit) when it is worth visiting,
// the node's own gap, then on to the far child if it is worth visiting.

std::optional<uintptr_t> lowest_in(const GapTreeNode* n, uintptr_t before_end, uintptr_t after_start, const Search& s)
{
    for (;;) {
        if (const GapTreeNode* l = n->left; l && worth_visiting(l, before_end, n->start, s))
            if (auto found = lowest_in(l, before_end, n->start, s))
                return found;
        if (n->gap_before >= s.length)
            if (auto found = fit_in(n->start - n->gap_before, n->start, s, false))
                return found;
        before_end = n->end;
        n = n->right;
        if (!n || !worth_visiting(n, before_end, after_start, s))
            return std::nullopt;
    }
}

std::optional<uintptr_t> highest_in(const GapTreeNode* n, uintptr_t before_end, uintptr_t after_start, const Search& s)
{
    for (;;) {
        if (const GapTreeNode* r = n->right; r && worth_visiting(r, n->end, after_start, s))
            if (auto found = highest_in(r, n->end, after_start, s))
                return found;
        if (n->gap_before >= s.length)
            if (auto found = fit_in(n->start - n->gap_before, n->start, s, true))
                return found;
        after_start = n->start;
        n = n->left;
        if (!n || !worth_visiting(n, before_end, after_start, s))
            return std::nullopt;
    }
}

/// check(): walks the subtree in address order; `previous` is the last node seen.
bool check_subtree(const GapTreeNode* n, const GapTreeNode* parent, const GapTreeNode*& previous, size_t& count)
{
    if (!n)
        return true;
    ++count;
    if (n->parent != parent || n->start >= n->end || !check_subtree(n->left, n, previous, count))
        return false;
    if (previous && previous->end > n->start)
        return false; // out of order or overlapping
    if (n->gap_before != (previous ? n->start - previous->end : 0))
        return false;
    previous = n;
    if (!check_subtree(n->right, n, previous, count))
        return false;
    int factor = height(n->left) - height(n->right);
    if (factor < -1 || factor > 1)
        return false;
    GapTreeNode copy = *n;
    return !update(&copy);
}

} // namespace

void insert(Ends& tree, GapTreeNode* node)
{
    node->left = node->right = nullptr;
    node->parent = nullptr;
    GapTreeNode* before = nullptr; // the ranges just below and just above node's
    GapTreeNode* after = nullptr;
    GapTreeNode** link = &tree.root;
    while (*link) {
        node->parent = *link;
        if (node->start < (*link)->start) {
            after = *link;
            link = &(*link)->left;
        } else {
            before = *link;
            link = &(*link)->right;
        }
    }
    *link = node;
    node->gap_before = before ? node->start - before->end : 0;
    node->height = 0;
    update(node);
    fix_upward(tree.root, node->parent);
    if (after)
        set_gap_before(after, after->start - node->end);
    if (!before)
        tree.first = node;
    if (!after)
        tree.last = node;
}

void erase(Ends& tree, GapTreeNode* z)
{
    // z's successor inherits z's gap and z's range as the free space below it (none if z
    // was first, as the successor then is).
    auto* after = const_cast<GapTreeNode*>(next(z));
    if (after)
        after->gap_before = z == tree.first ? 0 : after->gap_before + (z->end - z->start) + z->gap_before;
    if (z == tree.first)
        tree.first = after;
    if (z == tree.last)
        tree.last = const_cast<GapTreeNode*>(prev(z));

    GapTreeNode* fix_from;
    GapTreeNode* moved = nullptr; // z's successor, in z's place with z's children
    if (z->left && z->right) {
        GapTreeNode* y = after; // the leftmost of the right subtree
        if (y->parent != z) {
            fix_from = y->parent;
            replace_child(tree.root, y->parent, y, y->right);
            y->right = z->right;
            y->right->parent = y;
        } else {
            fix_from = y;
        }
        y->left = z->left;
        y->left->parent = y;
        replace_child(tree.root, z->parent, z, y);
        // What z's parent last saw: fix_upward compares y's new facts with these.
        y->height = z->height;
        y->max_gap = z->max_gap;
        moved = y;
    } else {
        fix_from = z->parent;
        replace_child(tree.root, z->parent, z, z->left ? z->left : z->right);
    }
    z->parent = z->left = z->right = nullptr;
    fix_upward(tree.root, fix_from, moved);
    if (after && after != moved)
        set_gap_before(after, after->gap_before); // its gap grew: recompute above it
}

void set_range(Ends& tree, GapTreeNode* node, uintptr_t start, uintptr_t end)
{
    uintptr_t previous_end = node->start - node->gap_before;
    bool end_moves = end != node->end;
    node->start = start;
    node->end = end;
    set_gap_before(node, node == tree.first ? 0 : start - previous_end);
    if (end_moves)
        if (auto* after = const_cast<GapTreeNode*>(next(node)))
            set_gap_before(after, after->start - end);
}

const GapTreeNode* find(const GapTreeNode* n, uintptr_t address)
{
    while (n && !(address >= n->start && address < n->end))
        n = address < n->start ? n->left : n->right;
    return n;
}

const GapTreeNode* first_ending_after(const GapTreeNode* n, uintptr_t address)
{
    const GapTreeNode* best = nullptr;
    while (n) {
        if (n->end > address) {
            best = n;
            n = n->left;
        } else {
            n = n->right;
        }
    }
    return best;
}

const GapTreeNode* next(const GapTreeNode* n)
{
    if (n->right)
        return leftmost(n->right);
    while (n->parent && n->parent->right == n)
        n = n->parent;
    return n->parent;
}

const GapTreeNode* prev(const GapTreeNode* n)
{
    if (n->left)
        return rightmost(n->left);
    while (n->parent && n->parent->left == n)
        n = n->parent;
    return n->parent;
}

// The window's two edge stretches (below the first range, above the last) are searched
// apart from the tree, which records only the gaps between ranges.

std::optional<uintptr_t> lowest_fit(const Ends& tree, uintptr_t lowest, uintptr_t highest, const Search& s)
{
    if (!tree.root)
        return fit_in(lowest, highest, s, false);
    if (auto found = fit_in(lowest, tree.first->start, s, false))
        return found;
    if (worth_visiting(tree.root, lowest, highest, s))
        if (auto found = lowest_in(tree.root, lowest, highest, s))
            return found;
    return fit_in(tree.last->end, highest, s, false);
}

std::optional<uintptr_t> highest_fit(const Ends& tree, uintptr_t lowest, uintptr_t highest, const Search& s)
{
    if (!tree.root)
        return fit_in(lowest, highest, s, true);
    if (auto found = fit_in(tree.last->end, highest, s, true))
        return found;
    if (worth_visiting(tree.root, lowest, highest, s))
        if (auto found = highest_in(tree.root, lowest, highest, s))
            return found;
    return fit_in(lowest, tree.first->start, s, true);
}

bool check(const Ends& tree, size_t& count)
{
    const GapTreeNode* previous = nullptr;
    if (!check_subtree(tree.root, nullptr, previous, count))
        return false;
    return tree.first == leftmost(tree.root) && tree.last == rightmost(tree.root);
}

} // namespace mm::gap_tree_detail
