// open_at: open(2)'s path half (root_fs.h). Linux's order of checks (fs/namei.c
// do_open, may_open): create or look up, then the kind of node against the flags, then
// truncation. A path into /proc or /sys goes to proc_fs.h.
#include <kernel/fs/device_files.h>
#include <kernel/fs/node_file.h>
#include <kernel/fs/pipe.h>
#include <kernel/fs/proc_fs.h>
#include <kernel/fs/root_fs.h>

#include <cstring>
#include <new>

namespace fs {

namespace {

/// The node O_CREAT names: the existing one, or a new regular file with `mode` less the
/// umask. EEXIST with O_EXCL, EISDIR for a path ending in '/'.
lib::Result<lib::RefPtr<vfs::Node>> create_or_find(
    vfs::WalkRoots roots, std::string_view path, int flags, unsigned mode)
{
    vfs::Tree& tree = root_tree();
    auto parent = TRY(vfs::walk_parent(tree, roots, path));
    if (parent.name.empty() || parent.name == "." || parent.name == "..")
        return lib::Error(lib::Errno::ISDIR, "O_CREAT on a directory");
    auto existing = tree.lookup(*parent.dir, parent.name);
    if (existing.is_error()) {
        if (existing.error().code != lib::Errno::NOENT)
            return existing.error();
        if (parent.trailing_slash)
            return lib::Error(lib::Errno::ISDIR, "O_CREAT with a trailing slash");
        return tree.create(*parent.dir, parent.name, vfs::NodeType::Regular, mode & ~umask() & vfs::kPermissionMask);
    }
    if (flags & kOpenExclusive)
        return lib::Error(lib::Errno::EXIST, "O_EXCL: the file exists");
    if (existing.value()->type() == vfs::NodeType::Symlink && !(flags & kOpenNoFollow))
        return vfs::walk(tree, roots, path, vfs::Follow::Yes); // FIRST CUT: a dangling link is ENOENT, not created
    return existing;
}

/// The absolute name of `path` from `start` (for /proc/self/fd and maps): `path` itself
/// when absolute, else the directory's path and `path` joined (not simplified).
std::string_view absolute_name(vfs::Node& start, std::string_view path, char* out, size_t size)
{
    if (path.starts_with('/'))
        return path;
    auto length = vfs::path_of(root_tree().root(), start, out, size);
    if (length.is_error() || length.value() + 1 + path.size() >= size)
        return path;
    size_t at = length.value();
    if (at > 1)
        out[at++] = '/';
    memcpy(out + at, path.data(), path.size());
    return { out, at + path.size() };
}

/// The checks of the node against the flags, truncation, and the file that opening gives.
lib::Result<File*> open_node(lib::RefPtr<vfs::Node> node, std::string_view path, int flags)
{
    bool path_only = flags & kOpenPath;
    bool writes = (flags & kOpenAccessMask) != kOpenReadOnly;
    if ((flags & kOpenDirectory) && !node->is_directory())
        return lib::Error(lib::Errno::NOTDIR, "O_DIRECTORY on a non-directory");
    if (!path_only && node->type() == vfs::NodeType::Symlink)
        return lib::Error(lib::Errno::LOOP, "O_NOFOLLOW on a symlink");
    if (!path_only && node->is_directory() && (writes || (flags & kOpenCreate)))
        return lib::Error(lib::Errno::ISDIR, "a directory opened for writing");
    if (!path_only && node->type() == vfs::NodeType::CharDevice)
        return open_device(node, flags);
    if (!path_only && node->type() == vfs::NodeType::Fifo)
        return open_fifo(node, flags);
    if (!path_only && node->type() == vfs::NodeType::Socket)
        return lib::Error(lib::Errno::NXIO, "open of a socket's name (connect to it instead)");
    if (!path_only && writes && node->type() == vfs::NodeType::Regular && !node->remote() && root_tree().read_only())
        return lib::Error(lib::Errno::ROFS, "the root filesystem is read-only (--read-only)");
    if (!path_only
        && (node->type() == vfs::NodeType::Regular || node->is_directory())) // a volume's: the host may refuse
        TRY(root_tree().prepare_open(
            *node, !writes || (flags & kOpenAccessMask) == kOpenReadWrite, writes, flags & kOpenAppend));
    if (!path_only && (flags & kOpenTruncate) && writes && node->type() == vfs::NodeType::Regular)
        TRY(root_tree().truncate(*node, 0));
    File* file = new (std::nothrow) NodeFile(node, path);
    if (!file)
        return lib::Errno::NOMEM;
    file->set_open_flags(path_only ? (flags & (kOpenPath | kOpenDirectory | kOpenNoFollow | kOpenCloseOnExec)) : flags);
    return file;
}

} // namespace

lib::Result<File*> open_at(vfs::Node* start, std::string_view path, int flags, unsigned mode, unsigned resolve)
{
    if ((flags & kOpenTemporary) == kOpenTemporary)
        return lib::Error(lib::Errno::NOTSUP, "O_TMPFILE is not supported yet");
    if (!root_mounted()) // the allocator may look for files before the root exists
        return lib::Error(lib::Errno::NOENT, "no root filesystem yet");
    lib::RefPtr<vfs::Node> holder;
    vfs::ForeignPath foreign;
    vfs::WalkRoots usual = walk_roots(start, holder, foreign);
    vfs::Node& root = resolve & vfs::ResolveInRoot ? *holder : usual.root; // RESOLVE_IN_ROOT: the start is "/"
    vfs::WalkRoots roots { root, *holder, &foreign, resolve };
    auto follow = (flags & kOpenNoFollow) ? vfs::Follow::No : vfs::Follow::Yes;
    auto node = (flags & kOpenCreate) && !(flags & kOpenPath) ? create_or_find(roots, path, flags, mode)
                                                              : vfs::walk(root_tree(), roots, path, follow);
    if (node.is_error() && node.error().code == lib::Errno::XDEV && foreign.length) // into /proc or /sys
        return open_kernel_file(foreign.view(), flags, resolve);
    char name[4096];
    return open_node(TRY(static_cast<lib::Result<lib::RefPtr<vfs::Node>>&&>(node)),
        absolute_name(*holder, path, name, sizeof(name)), flags);
}

} // namespace fs
