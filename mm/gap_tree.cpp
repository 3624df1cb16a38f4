// GapTree's untyped part (gap_tree.h): AVL insertion, deletion and rotations, the cached
// subtree facts, and the free-range searches.
#include <mm/gap_tree.h>

namespace mm::gap_tree_detail {

namespace {

uintptr_t max3(uintptr_t a, uintptr_t b, uintptr_t c) { return a > b ? (a > c ? a : c) : (b > c ? b : c); }

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

/// Restores the AVL balance at `n` (children already balanced); returns the subtree's root.
GapTreeNode* balance(GapTreeNode*& root, GapTreeNode* n)
{
    int factor = height(n->left) - height(n->right);
    if (factor > 1) {
        if (height(n->left->left) < height(n->left->right))
            rotate_left(root, n->left);
        rotate_right(root, n);
        return n->parent;
    }
    if (factor < -1) {
        if (height(n->right->right) < height(n->right->left))
            rotate_right(root, n->right);
        rotate_left(root, n);
        return n->parent;
    }
    update(n);
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

/// Whether the stretch [before_end, after_start) around subtree `n` may hold the search:
/// it must meet [low, high), and its largest gap (the gaps at its two ends clipped to
/// [low, high)) must be long enough. Clipping keeps a top-down search below the mmap top
/// from walking down to the ranges above it.
bool worth_visiting(const GapTreeNode* n, uintptr_t before_end, uintptr_t after_start, const Search& s)
{
    if (after_start <= s.low || before_end >= s.high)
        return false;
    uintptr_t from = before_end > s.low ? before_end : s.low;
    uintptr_t to = after_start < s.high ? after_start : s.high;
    uintptr_t below = n->min_start > from ? n->min_start - from : 0;
    uintptr_t above = to > n->max_end ? to - n->max_end : 0;
    return max3(n->max_gap, below, above) >= s.length;
}

} // namespace

int height(const GapTreeNode* n) { return n ? n->height : 0; }

void update(GapTreeNode* n)
{
    const GapTreeNode* l = n->left;
    const GapTreeNode* r = n->right;
    n->height = 1 + (height(l) > height(r) ? height(l) : height(r));
    n->min_start = l ? l->min_start : n->start;
    n->max_end = r ? r->max_end : n->end;
    uintptr_t gap = max3(l ? l->max_gap : 0, r ? r->max_gap : 0, l ? n->start - l->max_end : 0);
    n->max_gap = r && r->min_start - n->end > gap ? r->min_start - n->end : gap;
}

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

void insert(GapTreeNode*& root, GapTreeNode* node)
{
    node->left = node->right = nullptr;
    node->parent = nullptr;
    GapTreeNode** link = &root;
    while (*link) {
        node->parent = *link;
        link = node->start < (*link)->start ? &(*link)->left : &(*link)->right;
    }
    *link = node;
    update(node);
    for (GapTreeNode* n = node->parent; n;)
        n = balance(root, n)->parent;
}

void erase(GapTreeNode*& root, GapTreeNode* z)
{
    GapTreeNode* fix_from;
    if (z->left && z->right) {
        // Put z's successor y (leftmost of the right subtree) in z's place.
        auto* y = const_cast<GapTreeNode*>(leftmost(z->right));
        if (y->parent != z) {
            fix_from = y->parent;
            replace_child(root, y->parent, y, y->right);
            y->right = z->right;
            y->right->parent = y;
        } else {
            fix_from = y;
        }
        y->left = z->left;
        y->left->parent = y;
        replace_child(root, z->parent, z, y);
    } else {
        fix_from = z->parent;
        replace_child(root, z->parent, z, z->left ? z->left : z->right);
    }
    z->parent = z->left = z->right = nullptr;
    for (GapTreeNode* n = fix_from; n;)
        n = balance(root, n)->parent;
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

std::optional<uintptr_t> lowest_fit(const GapTreeNode* n, uintptr_t before_end, uintptr_t after_start, const Search& s)
{
    if (!n)
        return fit_in(before_end, after_start, s, false);
    if (!worth_visiting(n, before_end, after_start, s))
        return std::nullopt;
    if (auto found = lowest_fit(n->left, before_end, n->start, s))
        return found;
    return lowest_fit(n->right, n->end, after_start, s);
}

std::optional<uintptr_t> highest_fit(const GapTreeNode* n, uintptr_t before_end, uintptr_t after_start, const Search& s)
{
    if (!n)
        return fit_in(before_end, after_start, s, true);
    if (!worth_visiting(n, before_end, after_start, s))
        return std::nullopt;
    if (auto found = highest_fit(n->right, n->end, after_start, s))
        return found;
    return highest_fit(n->left, before_end, n->start, s);
}

bool check(const GapTreeNode* n, const GapTreeNode* parent, size_t& count)
{
    if (!n)
        return true;
    ++count;
    if (n->parent != parent || n->start >= n->end)
        return false;
    if (!check(n->left, n, count) || !check(n->right, n, count))
        return false;
    if ((n->left && n->left->max_end > n->start) || (n->right && n->right->min_start < n->end))
        return false; // out of order or overlapping
    int factor = height(n->left) - height(n->right);
    if (factor < -1 || factor > 1)
        return false;
    GapTreeNode copy = *n;
    update(&copy);
    return copy.height == n->height && copy.min_start == n->min_start && copy.max_end == n->max_end
        && copy.max_gap == n->max_gap;
}

} // namespace mm::gap_tree_detail
