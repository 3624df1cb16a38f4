#include <vfs/path_walk.h>

#include <cstring>

namespace vfs {

namespace {

struct Walker {
    Tree& tree;
    Node& root;
    ForeignPath* foreign;
    Node& beneath; // with ResolveBeneath: the directory the walk may not leave
    unsigned resolve = 0;
    uint32_t symlinks = 0;
};

/// Appends `text` to the foreign path; ENAMETOOLONG past PATH_MAX.
lib::Result<void> append_foreign(ForeignPath& foreign, std::string_view text)
{
    if (foreign.length + text.size() >= sizeof(foreign.text))
        return lib::Error(lib::Errno::NAMETOOLONG, "path too long");
    memcpy(foreign.text + foreign.length, text.data(), text.size());
    foreign.length += text.size();
    return {};
}

/// The walk left the tree at foreign directory `node` with `rest` of the path to go.
lib::Error left_tree(ForeignPath& foreign, const Node& node, std::string_view rest)
{
    foreign.length = 0;
    if (auto appended = append_foreign(foreign, node.foreign_path()); appended.is_error())
        return appended.error();
    if (auto appended = append_foreign(foreign, rest); appended.is_error())
        return appended.error();
    return lib::Error(lib::Errno::XDEV, "the path leads into a kernel file system");
}

/// The next non-empty component of `path` from `at` (advanced past it); empty at the end.
std::string_view next_component(std::string_view path, size_t& at)
{
    while (at < path.size() && path[at] == '/')
        ++at;
    size_t start = at;
    while (at < path.size() && path[at] != '/')
        ++at;
    return path.substr(start, at - start);
}

// Walks `path` from `dir`. With `parent` set, stops before the last component and
// describes it there instead.
lib::Result<lib::RefPtr<Node>> walk_from(
    Walker& walker, lib::RefPtr<Node> dir, std::string_view path, Follow follow_last, ParentOf* parent)
{
    if (path.empty())
        return lib::Error(lib::Errno::NOENT, "empty path");
    if (path[0] == '/' && (walker.resolve & ResolveBeneath))
        return lib::Error(lib::Errno::XDEV, "RESOLVE_BENEATH: an absolute path");
    if (path[0] == '/')
        dir = &walker.root;
    size_t at = 0;
    for (std::string_view name = next_component(path, at); !name.empty();) {
        size_t after = at;
        std::string_view following = next_component(path, after);
        bool last = following.empty();
        bool trailing_slash = last && at < path.size();
        if (name.size() > kNameMax)
            return lib::Error(lib::Errno::NAMETOOLONG, "a path component is longer than 255 bytes");
        if (last && parent) {
            if (!dir->is_directory())
                return lib::Error(lib::Errno::NOTDIR, "not a directory");
            *parent = ParentOf { dir, name, trailing_slash };
            return dir;
        }
        if (name == ".." && dir.get() == &walker.beneath && (walker.resolve & ResolveBeneath))
            return lib::Error(lib::Errno::XDEV, "RESOLVE_BENEATH: '..' above the starting directory");
        lib::RefPtr<Node> next
            = (name == ".." && dir.get() == &walker.root) ? dir : TRY(walker.tree.lookup(*dir, name));
        if (next->type() == NodeType::Symlink && (!last || follow_last == Follow::Yes || trailing_slash)) {
            if (walker.resolve & ResolveNoSymlinks)
                return lib::Error(lib::Errno::LOOP, "RESOLVE_NO_SYMLINKS: a symbolic link on the way");
            if (++walker.symlinks > kMaxSymlinks)
                return lib::Error(lib::Errno::LOOP, "too many levels of symbolic links");
            auto target = walk_from(walker, dir, next->link_target(), Follow::Yes, nullptr);
            if (target.is_error() && target.error().code == lib::Errno::XDEV && walker.foreign
                && walker.foreign->length) {
                TRY(append_foreign(*walker.foreign, path.substr(at))); // the link's target, then our rest
                return target.error();
            }
            next = TRY(static_cast<lib::Result<lib::RefPtr<Node>>&&>(target));
        }
        if (!next->foreign_path().empty() && walker.foreign) {
            if (walker.resolve & ResolveNoCrossing)
                return lib::Error(lib::Errno::XDEV, "RESOLVE_NO_XDEV: the path crosses into a kernel file system");
            return left_tree(*walker.foreign, *next, path.substr(at));
        }
        if ((!last || trailing_slash) && !next->is_directory())
            return lib::Error(lib::Errno::NOTDIR, "not a directory");
        dir = next;
        name = following;
        at = after;
    }
    if (parent) // "/" or only slashes: the root itself
        *parent = ParentOf { dir, {}, true };
    return dir;
}

} // namespace

lib::Result<lib::RefPtr<Node>> walk(Tree& tree, WalkRoots roots, std::string_view path, Follow follow)
{
    Walker walker { tree, roots.root, roots.foreign, roots.start, roots.resolve };
    return walk_from(walker, lib::RefPtr<Node>(&roots.start), path, follow, nullptr);
}

lib::Result<ParentOf> walk_parent(Tree& tree, WalkRoots roots, std::string_view path)
{
    Walker walker { tree, roots.root, roots.foreign, roots.start, roots.resolve };
    ParentOf parent;
    TRY(walk_from(walker, lib::RefPtr<Node>(&roots.start), path, Follow::Yes, &parent));
    return parent;
}

lib::Result<size_t> path_of(const Node& root, const Node& dir, char* out, size_t size)
{
    if (dir.removed())
        return lib::Error(lib::Errno::NOENT, "the directory was removed");
    if (size < 2)
        return lib::Error(lib::Errno::RANGE, "buffer too small for the path");
    // Names are gathered from the end of `out` backwards, then moved to the front.
    size_t start = size - 1;
    out[start] = '\0';
    for (const Node* node = &dir; node != &root && node->parent();) {
        const Node& up = *node->parent();
        std::string_view name = up.tree().name_in(up, *node);
        if (start < name.size() + 1 + 1)
            return lib::Error(lib::Errno::RANGE, "buffer too small for the path");
        start -= name.size();
        memcpy(out + start, name.data(), name.size());
        out[--start] = '/';
        node = &up;
    }
    if (start == size - 1)
        out[--start] = '/';
    size_t length = size - 1 - start;
    memmove(out, out + start, length + 1);
    return length;
}

} // namespace vfs
