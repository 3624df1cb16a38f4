// The name space calls: mkdir, mknod, unlink, rmdir, rename, link, symlink, readlink,
// chdir, getcwd, over the root tree (kernel/fs/root_fs.h, vfs/tree.h), each with its *at
// form. Linux's rules and errno come from vfs::Tree; this file turns descriptors and
// program memory into nodes and names.
#include <kernel/fs/fd_table.h>
#include <kernel/fs/file.h>
#include <kernel/fs/proc_fs.h>
#include <kernel/fs/root_fs.h>
#include <kernel/syscall/syscall.h>
#include <kernel/syscall/syscall_util.h>

#include <cstring>

namespace sys {

namespace {

/// The parent directory and last name of `path` from `dirfd`.
lib::Result<vfs::ParentOf> parent_at(int dirfd, const UserPath& path)
{
    auto start = TRY(start_directory(dirfd, path.view()));
    lib::RefPtr<vfs::Node> holder;
    vfs::ForeignPath foreign;
    auto parent = vfs::walk_parent(fs::root_tree(), fs::walk_roots(start.get(), holder, foreign), path.view());
    if (parent.is_error())
        return fs::refuse_kernel_files(parent.error());
    return parent;
}

lib::Result<lib::RefPtr<vfs::Node>> node_at(int dirfd, const UserPath& path, vfs::Follow follow)
{
    auto start = TRY(start_directory(dirfd, path.view()));
    return fs::lookup_at(start.get(), path.view(), follow);
}

} // namespace

lib::Result<void> read_path(const char* path, UserPath& out)
{
    out.length = TRY(copy_path(path, out.text, sizeof(out.text)));
    return {};
}

lib::Result<lib::RefPtr<vfs::Node>> start_directory(int dirfd, std::string_view path)
{
    if ((!path.empty() && path[0] == '/') || dirfd == abi::kAtFdcwd)
        return lib::RefPtr<vfs::Node>();
    auto file = TRY(fs::descriptors().get(dirfd));
    vfs::Node* node = file->node();
    if (!node || !node->is_directory())
        return lib::Error(lib::Errno::NOTDIR, "the directory descriptor is not a directory");
    return lib::RefPtr<vfs::Node>(node); // counted: the descriptor may be closed meanwhile
}

SysResult mknodat(int dirfd, const char* path, unsigned mode, unsigned device)
{
    UserPath copy;
    TRY(read_path(path, copy));
    auto parent = TRY(parent_at(dirfd, copy));
    vfs::NodeType type;
    switch (mode & vfs::kModeTypeMask) {
    case 0:
    case vfs::kModeRegular: type = vfs::NodeType::Regular; break;
    case vfs::kModeFifo: type = vfs::NodeType::Fifo; break;
    case vfs::kModeCharDevice: type = vfs::NodeType::CharDevice; break;
    case vfs::kModeSocket: type = vfs::NodeType::Socket; break; // no socket listens on it
    case vfs::kModeDirectory: return lib::Error(lib::Errno::PERM, "mknod of a directory");
    default: return lib::Error(lib::Errno::INVAL, "mknod: unsupported file type");
    }
    if (parent.trailing_slash)
        return lib::Error(lib::Errno::NOENT, "mknod with a trailing slash");
    unsigned permissions = mode & ~fs::umask() & vfs::kPermissionMask;
    TRY(fs::root_tree().create(
        *parent.dir, parent.name, type, permissions, {}, type == vfs::NodeType::CharDevice ? device : 0));
    return 0;
}

SysResult mkdirat(int dirfd, const char* path, unsigned mode)
{
    UserPath copy;
    TRY(read_path(path, copy));
    auto parent = TRY(parent_at(dirfd, copy));
    TRY(fs::root_tree().create(*parent.dir, parent.name, vfs::NodeType::Directory, mode & ~fs::umask() & 01777));
    return 0;
}

SysResult unlinkat(int dirfd, const char* path, int flags)
{
    if (flags & ~abi::kAtRemovedir)
        return lib::Error(lib::Errno::INVAL, "unlinkat: unknown flags");
    UserPath copy;
    TRY(read_path(path, copy));
    auto parent = TRY(parent_at(dirfd, copy));
    if (flags & abi::kAtRemovedir)
        TRY(fs::root_tree().remove_directory(*parent.dir, parent.name));
    else if (parent.trailing_slash) // "file/" names a directory or nothing
        return lib::Error(TRY(fs::root_tree().lookup(*parent.dir, parent.name))->is_directory() ? lib::Errno::ISDIR
                                                                                                : lib::Errno::NOTDIR);
    else
        TRY(fs::root_tree().unlink(*parent.dir, parent.name));
    return 0;
}

SysResult renameat2(int from_dirfd, const char* from, int to_dirfd, const char* to, unsigned flags)
{
    UserPath from_copy, to_copy;
    TRY(read_path(from, from_copy));
    TRY(read_path(to, to_copy));
    auto source = TRY(parent_at(from_dirfd, from_copy));
    auto target = TRY(parent_at(to_dirfd, to_copy));
    if (source.trailing_slash || target.trailing_slash) { // only directories may be named so
        auto node = TRY(fs::root_tree().lookup(*source.dir, source.name));
        if (!node->is_directory())
            return lib::Error(lib::Errno::NOTDIR, "rename: a trailing slash on a non-directory");
    }
    TRY(fs::root_tree().rename(*source.dir, source.name, *target.dir, target.name, flags));
    return 0;
}

SysResult linkat(int from_dirfd, const char* from, int to_dirfd, const char* to, int flags)
{
    if (flags & ~(abi::kAtSymlinkFollow | abi::kAtEmptyPath))
        return lib::Error(lib::Errno::INVAL, "linkat: unknown flags");
    lib::RefPtr<vfs::Node> node;
    TRY(check_user_range(from, 1));
    if ((flags & abi::kAtEmptyPath) && from[0] == '\0') {
        auto opened = TRY(fs::descriptors().get(from_dirfd));
        vfs::Node* file = opened->node();
        if (!file)
            return lib::Error(lib::Errno::NOENT, "linkat: the descriptor has no name to link");
        node = file;
    } else {
        UserPath from_copy;
        TRY(read_path(from, from_copy));
        node
            = TRY(node_at(from_dirfd, from_copy, (flags & abi::kAtSymlinkFollow) ? vfs::Follow::Yes : vfs::Follow::No));
    }
    UserPath to_copy;
    TRY(read_path(to, to_copy));
    auto target = TRY(parent_at(to_dirfd, to_copy));
    if (target.trailing_slash)
        return lib::Error(node->is_directory() ? lib::Errno::PERM : lib::Errno::NOENT, "link: a trailing slash");
    TRY(fs::root_tree().link(*target.dir, target.name, *node));
    return 0;
}

SysResult symlinkat(const char* target, int dirfd, const char* path)
{
    UserPath target_copy, copy;
    TRY(read_path(target, target_copy));
    TRY(read_path(path, copy));
    auto parent = TRY(parent_at(dirfd, copy));
    if (parent.trailing_slash)
        return lib::Error(lib::Errno::NOENT, "symlink with a trailing slash");
    TRY(fs::root_tree().create(*parent.dir, parent.name, vfs::NodeType::Symlink, 0777, target_copy.view()));
    return 0;
}

SysResult readlinkat(int dirfd, const char* path, char* buffer, size_t size)
{
    if (long(size) <= 0)
        return lib::Error(lib::Errno::INVAL, "readlink: bad buffer size");
    TRY(check_user_range(path, 1));
    lib::RefPtr<vfs::Node> node;
    if (path[0] == '\0') { // Linux: an empty path reads the O_PATH descriptor's link
        auto opened = TRY(fs::descriptors().get(dirfd));
        vfs::Node* file = opened->node();
        if (!file)
            return lib::Error(lib::Errno::NOENT, "readlink: empty path");
        node = file;
    } else {
        UserPath copy;
        TRY(read_path(path, copy));
        auto start = TRY(start_directory(dirfd, copy.view()));
        lib::RefPtr<vfs::Node> holder;
        vfs::ForeignPath foreign;
        auto found
            = vfs::walk(fs::root_tree(), fs::walk_roots(start.get(), holder, foreign), copy.view(), vfs::Follow::No);
        if (found.is_error() && found.error().code == lib::Errno::XDEV) { // /proc/self/exe and the like
            char target[4096];
            size_t length = TRY(fs::read_kernel_link(foreign.view(), target, sizeof(target)));
            size_t n = length < size ? length : size;
            TRY(check_user_range(buffer, n, UserAccess::Write));
            memcpy(buffer, target, n);
            return long(n);
        }
        node = TRY(static_cast<lib::Result<lib::RefPtr<vfs::Node>>&&>(found));
    }
    if (node->type() != vfs::NodeType::Symlink)
        return lib::Error(lib::Errno::INVAL, "readlink: not a symlink");
    std::string_view target = node->link_target();
    size_t n = target.size() < size ? target.size() : size; // truncated silently, as Linux does
    TRY(check_user_range(buffer, n, UserAccess::Write));
    memcpy(buffer, target.data(), n);
    return long(n);
}

SysResult chdir(const char* path)
{
    UserPath copy;
    TRY(read_path(path, copy));
    TRY(fs::set_working_directory(TRY(fs::lookup_at(nullptr, copy.view(), vfs::Follow::Yes))));
    return 0;
}

SysResult fchdir(int fd)
{
    auto opened = TRY(fs::descriptors().get(fd));
    vfs::Node* node = opened->node();
    if (!node)
        return lib::Error(lib::Errno::NOTDIR, "fchdir: not a directory");
    TRY(fs::set_working_directory(node));
    return 0;
}

SysResult getcwd(char* buffer, size_t size)
{
    char path[4096];
    size_t length = TRY(vfs::path_of(fs::root_tree().root(), *fs::working_directory(), path, sizeof(path)));
    if (length + 1 > size)
        return lib::Error(lib::Errno::RANGE, "getcwd: buffer too small");
    TRY(check_user_range(buffer, length + 1, UserAccess::Write));
    memcpy(buffer, path, length + 1);
    return long(length + 1);
}

} // namespace sys
