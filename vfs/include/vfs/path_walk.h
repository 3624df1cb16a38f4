// Path resolution over a Tree (Linux path_resolution(7)): absolute paths start at `root`,
// relative ones at `start`; "." and ".." (".." of the root is the root); symlinks in the
// middle are always followed, the last one as `Follow` says; at most kMaxSymlinks
// symlinks per walk (ELOOP); a component longer than kNameMax is ENAMETOOLONG; a trailing
// '/' requires a directory.
#pragma once

#include <vfs/tree.h>

namespace vfs {

enum class Follow : uint8_t { Yes, No };
constexpr uint32_t kMaxSymlinks = 40;

/// Where a walk left the tree: it reached a directory marked foreign (Tree::mark_foreign:
/// /proc and /sys, which the kernel serves), and the rest of the walk is this absolute
/// path in that file system's terms ("/proc/self/fd/1"), symlinks on the way resolved.
struct ForeignPath {
    char text[4096];
    size_t length = 0;
    std::string_view view() const { return { text, length }; }
};

/// openat2(2)'s RESOLVE_* restrictions on a walk (Linux's values). RESOLVE_IN_ROOT is the
/// caller's: it walks with `root` = `start`.
enum Resolve : unsigned {
    ResolveNoCrossing = 0x01,   // RESOLVE_NO_XDEV: reaching a foreign directory is EXDEV
    ResolveNoMagicLinks = 0x02, // the kernel file systems' magic links (/proc/self/fd/N)
    ResolveNoSymlinks = 0x04,   // any symlink followed is ELOOP
    ResolveBeneath = 0x08,      // an absolute path or symlink, or ".." above `start`: EXDEV
    ResolveInRoot = 0x10,
};

struct WalkRoots {
    Node& root;  // where "/" starts and where ".." stops
    Node& start; // where a relative path starts (the cwd or a directory descriptor)
    /// Given: a walk that reaches a foreign directory stops with EXDEV and fills it in
    /// (with ResolveNoCrossing, it stops with EXDEV and leaves it empty).
    /// Null: foreign marks are ignored (the directory is walked as any other).
    ForeignPath* foreign = nullptr;
    unsigned resolve = 0; // Resolve bits
};

/// The node `path` names. ENOENT (also for an empty path), ENOTDIR, ELOOP, ENAMETOOLONG.
lib::Result<lib::RefPtr<Node>> walk(Tree& tree, WalkRoots roots, std::string_view path, Follow follow);

/// The directory that holds `path`'s last component, and that component: what creating,
/// removing and renaming need. `name` points into `path`; it is "." or ".." when the path
/// ends so, and empty when the path is "/" (callers refuse those as Linux does).
/// `trailing_slash` says whether the path ended in '/'.
struct ParentOf {
    lib::RefPtr<Node> dir;
    std::string_view name;
    bool trailing_slash = false;
};
lib::Result<ParentOf> walk_parent(Tree& tree, WalkRoots roots, std::string_view path);

/// Writes the absolute path of directory `dir` as seen from `root` into `out` (getcwd):
/// its length, ERANGE when `size` is too small, ENOENT for a removed directory.
lib::Result<size_t> path_of(const Node& root, const Node& dir, char* out, size_t size);

} // namespace vfs
