// What a file is rather than where: truncate, chmod, chown, utimensat, statfs, the sync
// calls, fallocate, getdents64 and umask, for nodes of the root tree (kernel/fs/root_fs.h).
#include <kernel/fs/fd_table.h>
#include <kernel/fs/file.h>
#include <kernel/fs/node_file.h>
#include <kernel/fs/root_fs.h>
#include <kernel/process/process.h>
#include <kernel/syscall/syscall.h>
#include <kernel/syscall/syscall_util.h>
#include <mm/memory.h>

#include <fmt/format.h>

#include <cstring>
#include <new>

namespace sys {

using process::Credentials;

namespace {

/// The node a path (or, with AT_EMPTY_PATH and "", the descriptor) names.
lib::Result<lib::RefPtr<vfs::Node>> node_of(int dirfd, const char* path, int flags)
{
    TRY(check_user_range(path, 1));
    if ((flags & abi::kAtEmptyPath) && path[0] == '\0') {
        auto opened = TRY(fs::descriptors().get(dirfd));
        vfs::Node* node = opened->node();
        if (!node)
            return lib::Error(lib::Errno::BADF, "the descriptor is not a file of the tree");
        return lib::RefPtr<vfs::Node>(node);
    }
    UserPath copy;
    TRY(read_path(path, copy));
    auto start = TRY(start_directory(dirfd, copy.view()));
    return fs::lookup_at(
        start.get(), copy.view(), (flags & abi::kAtSymlinkNofollow) ? vfs::Follow::No : vfs::Follow::Yes);
}

lib::Result<lib::RefPtr<vfs::Node>> node_of_descriptor(int fd)
{
    auto opened = TRY(fs::descriptors().get(fd));
    vfs::Node* node = opened->node();
    if (!node)
        return lib::Error(lib::Errno::INVAL, "the descriptor is not a file of the tree"); // a pipe, the console...
    return lib::RefPtr<vfs::Node>(node); // counted: the descriptor may be closed meanwhile
}

/// A utimensat time: EINVAL for nanoseconds out of range; null for UTIME_OMIT.
lib::Result<const vfs::Timestamp*> time_of(const abi::Timespec& ts, vfs::Timestamp& out, vfs::Timestamp now)
{
    if (ts.tv_nsec == abi::kUtimeOmit)
        return static_cast<const vfs::Timestamp*>(nullptr);
    if (ts.tv_nsec == abi::kUtimeNow)
        out = now;
    else if (ts.tv_nsec < 0 || ts.tv_nsec >= kNanosPerSecond)
        return lib::Error(lib::Errno::INVAL, "utimensat: nanoseconds out of range");
    else
        out = { ts.tv_sec, ts.tv_nsec };
    return &out;
}

/// EROFS for a node of a read-only root, asked before whether the caller may change it, as
/// Linux asks the mount first (mnt_want_write). A volume's node answers for itself.
lib::Result<void> check_not_read_only(const vfs::Node& node)
{
    return node.remote() ? lib::Result<void>() : fs::root_tree().check_writable(node);
}

/// Whether the caller is in group `gid`, or root (Linux's in_group_or_capable).
bool in_group_or_privileged(uint32_t gid)
{
    return process::current().credentials().with(
        [&](const Credentials& credentials) { return credentials.privileged() || credentials.in_group(gid); });
}

/// Whether the caller owns `node` or is root (chmod, utimensat with a given time).
bool may_change_mode(const vfs::Node& node)
{
    return process::current().credentials().with(
        [&](const Credentials& credentials) { return credentials.may_change_mode(node.uid()); });
}

/// chown: the node's owner (by file-system ID) may move it among its own groups, root
/// may do anything (Credentials::may_change_owner); EPERM otherwise. -1 keeps an ID. As on
/// Linux (chown_common, even for root and even with both IDs -1), a file that is not a
/// directory loses its set-user-ID bit, and its set-group-ID bit when group execution is
/// on or the caller is outside the file's group (setattr_should_drop_sgid; otherwise the
/// bit marks mandatory locking and stays); a caller who could not chmod the file may not
/// make that change either (EPERM, even for -1 -1). PARTIAL: on a volume, the owner and
/// the mode go to the server as two changes, and the second may fail after the first.
lib::Result<void> change_owner(vfs::Node& node, uint32_t uid, uint32_t gid)
{
    TRY(check_not_read_only(node));
    bool allowed = process::current().credentials().with(
        [&](const Credentials& credentials) { return credentials.may_change_owner(node.uid(), node.gid(), uid, gid); });
    if (!allowed)
        return lib::Error(lib::Errno::PERM, "chown: not the owner, or to another user or a group not the caller's");
    uint32_t mode = node.permissions();
    bool drop_group_id = (mode & vfs::kModeGroupExecute) || !in_group_or_privileged(node.gid());
    uint32_t dropped
        = node.is_directory() ? 0 : mode & (vfs::kModeSetUserId | (drop_group_id ? vfs::kModeSetGroupId : 0));
    if (dropped && !may_change_mode(node))
        return lib::Error(lib::Errno::PERM, "chown: it would clear set-ID bits of a file not the caller's");
    TRY(fs::root_tree().set_owner(
        node, uid == Credentials::kUnchanged ? node.uid() : uid, gid == Credentials::kUnchanged ? node.gid() : gid));
    if (dropped)
        TRY(fs::root_tree().set_permissions(node, mode & ~dropped));
    return {};
}

/// chmod: the node's owner or root; EPERM otherwise. A caller outside the node's group
/// (and not root) cannot set its set-group-ID bit: it is dropped silently (Linux's
/// setattr_copy).
lib::Result<void> change_mode(vfs::Node& node, unsigned mode)
{
    TRY(check_not_read_only(node));
    if (!may_change_mode(node))
        return lib::Error(lib::Errno::PERM, "chmod: not the owner");
    if (!in_group_or_privileged(node.gid()))
        mode &= ~vfs::kModeSetGroupId;
    return fs::root_tree().set_permissions(node, mode);
}

} // namespace

SysResult truncate(const char* path, int64_t length)
{
    if (length < 0)
        return lib::Error(lib::Errno::INVAL, "truncate: negative length");
    auto node = TRY(node_of(abi::kAtFdcwd, path, 0));
    if (node->is_directory())
        return lib::Error(lib::Errno::ISDIR, "truncate: a directory");
    TRY(fs::root_tree().truncate(*node, uint64_t(length)));
    return 0;
}

SysResult ftruncate(int fd, int64_t length)
{
    if (length < 0)
        return lib::Error(lib::Errno::INVAL, "ftruncate: negative length");
    TRY(TRY(fs::descriptors().get(fd))->truncate(uint64_t(length)));
    return 0;
}

SysResult fallocate(int fd, int mode, int64_t offset, int64_t length)
{
    constexpr int kKeepSize = 1; // FALLOC_FL_KEEP_SIZE; punching holes and the rest: EOPNOTSUPP
    if (mode & ~kKeepSize)
        return lib::Error(lib::Errno::NOTSUP, "fallocate: only plain allocation and KEEP_SIZE");
    if (offset < 0 || length <= 0)
        return lib::Error(lib::Errno::INVAL, "fallocate: bad range");
    auto file = TRY(fs::descriptors().get(fd));
    vfs::Node* node = file->node();
    if (!node || node->type() != vfs::NodeType::Regular)
        return lib::Error(lib::Errno::NODEV, "fallocate: not a regular file");
    // FIRST CUT: the size grows (holes read as zeros) but no pages are reserved ahead.
    if (!(mode & kKeepSize) && uint64_t(offset + length) > node->size())
        TRY(file->truncate(uint64_t(offset + length)));
    return 0;
}

SysResult fchmodat(int dirfd, const char* path, unsigned mode, int flags)
{
    TRY(change_mode(*TRY(node_of(dirfd, path, flags)), mode));
    return 0;
}

SysResult fchmod(int fd, unsigned mode)
{
    TRY(change_mode(*TRY(node_of_descriptor(fd)), mode));
    return 0;
}

SysResult fchownat(int dirfd, const char* path, uint32_t uid, uint32_t gid, int flags)
{
    if (flags & ~(abi::kAtSymlinkNofollow | abi::kAtEmptyPath))
        return lib::Error(lib::Errno::INVAL, "fchownat: unknown flags");
    TRY(change_owner(*TRY(node_of(dirfd, path, flags)), uid, gid));
    return 0;
}

SysResult fchown(int fd, uint32_t uid, uint32_t gid)
{
    TRY(change_owner(*TRY(node_of_descriptor(fd)), uid, gid));
    return 0;
}

SysResult utimensat(int dirfd, const char* path, const abi::Timespec* times, int flags)
{
    if (flags & ~(abi::kAtSymlinkNofollow | abi::kAtEmptyPath))
        return lib::Error(lib::Errno::INVAL, "utimensat: unknown flags");
    abi::Timespec wanted[2] = { { 0, abi::kUtimeNow }, { 0, abi::kUtimeNow } };
    if (times) { // read once: another thread may change them
        TRY(check_user_range(times, sizeof(wanted)));
        memcpy(wanted, times, sizeof(wanted));
        if (wanted[0].tv_nsec == abi::kUtimeOmit && wanted[1].tv_nsec == abi::kUtimeOmit)
            return 0; // Linux: nothing to do, the path is not even looked up
    }
    vfs::Timestamp now = fs::root_tree().now(), access, modify;
    const vfs::Timestamp* new_access = TRY(time_of(wanted[0], access, now));
    const vfs::Timestamp* new_modify = TRY(time_of(wanted[1], modify, now));
    lib::RefPtr<vfs::Node> node = path ? TRY(node_of(dirfd, path, flags)) : TRY(node_of_descriptor(dirfd));
    // Linux: any times but "both now" are the owner's to set (ATTR_TIMES_SET); "now" also
    // needs write permission, which Osprey does not check.
    bool both_now = wanted[0].tv_nsec == abi::kUtimeNow && wanted[1].tv_nsec == abi::kUtimeNow;
    TRY(check_not_read_only(*node));
    if (!both_now && !may_change_mode(*node))
        return lib::Error(lib::Errno::PERM, "utimensat: times on a file not the caller's");
    TRY(fs::root_tree().set_times(*node, new_access, new_modify));
    return 0;
}

// The root tree's figures: blocks are the tmpfs limit (the image's own bytes are not
// counted), files are not limited. A volume's are its host file system's as the server
// reports them, f_type included (Linux's v9fs passes the server's type on too).
SysResult fstatfs_of(vfs::Node* node, abi::Statfs* out)
{
    TRY(check_user_range(out, sizeof(*out), UserAccess::Write));
    vfs::Tree& tree = fs::root_tree();
    *out = {};
    if (node && node->remote()) {
        auto stats = TRY(tree.remote_stats(*node));
        out->f_type = int64_t(stats.type);
        out->f_bsize = out->f_frsize = int64_t(stats.block_size);
        out->f_blocks = stats.blocks;
        out->f_bfree = stats.blocks_free;
        out->f_bavail = stats.blocks_available;
        out->f_files = stats.files;
        out->f_ffree = stats.files_free;
        out->f_namelen = int64_t(stats.name_length);
        return 0;
    }
    out->f_type = abi::kTmpfsMagic;
    out->f_bsize = out->f_frsize = int64_t(vfs::kPageSize);
    out->f_blocks = tree.byte_limit() / vfs::kPageSize;
    out->f_bfree = out->f_bavail = (tree.byte_limit() - tree.bytes_used()) / vfs::kPageSize;
    out->f_files = out->f_ffree = mm::frame_stats().free_frames;
    out->f_namelen = int64_t(vfs::kNameMax);
    return 0;
}

SysResult statfs(const char* path, abi::Statfs* out)
{
    auto node = TRY(node_of(abi::kAtFdcwd, path, 0));
    return fstatfs_of(node.get(), out);
}

SysResult fstatfs(int fd, abi::Statfs* out)
{
    auto file = TRY(fs::descriptors().get(fd));
    return fstatfs_of(file->node(), out);
}

SysResult fsync(int fd)
{
    // The tree is in memory: nothing to write back. A volume's file is synced on the host.
    auto file = TRY(fs::descriptors().get(fd));
    if (vfs::Node* node = file->node(); node && node->remote())
        TRY(node->tree().sync(*node));
    return 0;
}

SysResult sync_file_range(int fd, int64_t offset, int64_t count, unsigned flags)
{
    auto file = TRY(fs::descriptors().get(fd)); // EBADF first, as Linux
    constexpr unsigned kKnownFlags = 1 | 2 | 4; // WAIT_BEFORE, WRITE, WAIT_AFTER
    if (flags & ~kKnownFlags)
        return lib::Error(lib::Errno::INVAL, "unknown sync_file_range flags");
    if (offset < 0 || count < 0 || count > INT64_MAX - offset)
        return lib::Error(lib::Errno::INVAL, "bad sync_file_range range");
    fs::LinuxStat st {};
    TRY(file->stat(st));
    uint32_t type = st.st_mode & fs::kModeTypeMask;
    if (type != fs::kModeRegular && type != fs::kModeDirectory)
        return lib::Error(lib::Errno::SPIPE, "sync_file_range: not a regular file or a directory");
    return fsync(fd);
}

SysResult readahead(int fd, int64_t, size_t)
{
    auto file = TRY(fs::descriptors().get(fd));
    fs::LinuxStat st {};
    TRY(file->stat(st));
    if ((file->open_flags() & fs::kOpenAccessMask) == fs::kOpenWriteOnly)
        return lib::Error(lib::Errno::BADF, "readahead: not open for reading");
    if ((st.st_mode & fs::kModeTypeMask) != fs::kModeRegular)
        return lib::Error(lib::Errno::INVAL, "readahead: not a regular file");
    return 0;
}

SysResult getdents64(int fd, void* buffer, size_t length)
{
    auto file = TRY(fs::descriptors().get(fd));
    TRY(check_user_range(buffer, length, UserAccess::Write));
    return long(TRY(file->read_directory(buffer, length)));
}

// Extended attributes: the tree stores none. Reads find nothing (ENODATA, an empty list),
// as on a tmpfs with no attributes set; setting one is EOPNOTSUPP.
SysResult xattr_call(XattrCall call, int fd, const char* path, bool follow)
{
    if (path)
        TRY(node_of(abi::kAtFdcwd, path, follow ? 0 : abi::kAtSymlinkNofollow));
    else
        TRY(fs::descriptors().get(fd));
    switch (call) {
    case XattrCall::Get: return lib::Error(lib::Errno::NODATA, "no extended attributes are stored");
    case XattrCall::List: return 0;
    case XattrCall::Set: return lib::Error(lib::Errno::NOTSUP, "extended attributes are not supported");
    case XattrCall::Remove: return lib::Error(lib::Errno::NODATA, "no extended attributes are stored");
    }
    return lib::Errno::INVAL;
}

SysResult memfd_create(const char* name, unsigned flags)
{
    constexpr unsigned kCloexec = 1, kAllowSealing = 2; // MFD_*; sealing is accepted, seals are EINVAL
    if (flags & ~(kCloexec | kAllowSealing))
        return lib::Error(lib::Errno::INVAL, "memfd_create: unsupported flags (MFD_HUGETLB...)");
    UserPath copy;
    TRY(read_path(name, copy));
    if (copy.length > 249)
        return lib::Error(lib::Errno::INVAL, "memfd_create: name longer than 249 bytes");
    char path[300];
    auto shown = fmt::format_to_n(path, sizeof(path), "/memfd:{} (deleted)", copy.view());
    auto node = TRY(fs::root_tree().create_unnamed(0777));
    fs::File* file = new (std::nothrow) fs::NodeFile(node, { path, shown.size });
    if (!file)
        return lib::Errno::NOMEM;
    file->set_open_flags(fs::kOpenReadWrite);
    return long(TRY(fs::descriptors().install(file, flags & kCloexec)));
}

SysResult umask(unsigned mask) { return long(fs::set_umask(mask)); }

} // namespace sys
