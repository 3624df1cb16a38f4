// open_at: open(2)'s path half (root_fs.h). Linux's order of checks (fs/namei.c
// do_open, may_open): create or look up, then the kind of node against the flags, then
// truncation.
#include <kernel/fs/device_files.h>
#include <kernel/fs/node_file.h>
#include <kernel/fs/proc_files.h>
#include <kernel/fs/root_fs.h>

#include <new>

namespace fs {

namespace {

/// The node O_CREAT names: the existing one, or a new regular file with `mode` less the
/// umask. EEXIST with O_EXCL, EISDIR for a path ending in '/'.
lib::Result<lib::RefPtr<vfs::Node>> create_or_find(vfs::Node* start, std::string_view path, int flags, unsigned mode)
{
    lib::RefPtr<vfs::Node> holder;
    vfs::Tree& tree = root_tree();
    auto parent = TRY(vfs::walk_parent(tree, walk_roots(start, holder), path));
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
        return lookup_at(start, path, vfs::Follow::Yes); // FIRST CUT: a dangling link is ENOENT, not created
    return existing;
}

lib::Result<File*> open_node(lib::RefPtr<vfs::Node> node, std::string_view path, int flags);

} // namespace

lib::Result<File*> open_at(vfs::Node* start, std::string_view path, int flags, unsigned mode)
{
    if ((flags & kOpenTemporary) == kOpenTemporary)
        return lib::Error(lib::Errno::NOTSUP, "O_TMPFILE is not supported yet");
    if (is_proc_path(path))
        return open_proc_file(path, flags);
    if (!(flags & kOpenCreate) || (flags & kOpenPath)) // also before the root exists: ENOENT
        return open_node(TRY(lookup_at(start, path, (flags & kOpenNoFollow) ? vfs::Follow::No : vfs::Follow::Yes)), path, flags);
    return open_node(TRY(create_or_find(start, path, flags, mode)), path, flags);
}

namespace {

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
        return lib::Error(lib::Errno::NXIO, "opening a FIFO is not supported yet");
    if (!path_only && (flags & kOpenTruncate) && writes && node->type() == vfs::NodeType::Regular)
        TRY(root_tree().truncate(*node, 0));
    File* file = new (std::nothrow) NodeFile(node, path);
    if (!file)
        return lib::Errno::NOMEM;
    file->set_open_flags(path_only ? (flags & (kOpenPath | kOpenDirectory | kOpenNoFollow | kOpenCloseOnExec)) : flags);
    return file;
}

} // namespace

} // namespace fs
