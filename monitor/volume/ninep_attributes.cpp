// A volume's file attributes: Tgetattr, Tsetattr and Treadlink. Every call goes through
// the fid's own descriptor (AT_EMPTY_PATH, or /proc/self/fd for chmod and truncate, which
// have no such form), so it reaches the node the walk found and nothing else.
#include "ninep_server.h"

#include <array>
#include <cerrno>
#include <climits>
#include <fcntl.h>
#include <unistd.h>

namespace monitor::volume {

namespace {

using namespace ninep; // SetattrBits

constexpr uint32_t kChanges = SetMode | SetUid | SetGid | SetSize | SetAtime | SetMtime | SetCtime;

ninep::Attributes attributes_of(const struct stat& st)
{
    ninep::Attributes a;
    a.valid = ninep::kGetattrBasic;
    a.qid = qid_of(st);
    a.mode = st.st_mode;
    a.uid = st.st_uid;
    a.gid = st.st_gid;
    a.links = st.st_nlink;
    a.rdev = st.st_rdev;
    a.size = uint64_t(st.st_size);
    a.block_size = uint64_t(st.st_blksize);
    a.blocks = uint64_t(st.st_blocks);
    a.atime_sec = uint64_t(st.st_atim.tv_sec), a.atime_nsec = uint64_t(st.st_atim.tv_nsec);
    a.mtime_sec = uint64_t(st.st_mtim.tv_sec), a.mtime_nsec = uint64_t(st.st_mtim.tv_nsec);
    a.ctime_sec = uint64_t(st.st_ctim.tv_sec), a.ctime_nsec = uint64_t(st.st_ctim.tv_nsec);
    return a;
}

/// One of utimensat's two times: the guest's, the host's now, or left alone.
timespec time_change(uint32_t valid, uint32_t set, uint32_t given, uint64_t sec, uint64_t nsec)
{
    if (!(valid & set))
        return { 0, UTIME_OMIT };
    if (!(valid & given))
        return { 0, UTIME_NOW };
    return { time_t(sec), long(nsec) }; // the host refuses nsec beyond a second (EINVAL)
}

lib::Result<void> change_mode(const Node& node, uint32_t mode)
{
    if (S_ISLNK(node.stat.st_mode))
        return lib::Error(lib::Errno::NOTSUP, "Tsetattr mode on a symlink");
    if (fchmodat(AT_FDCWD, proc_path(node.fd.get()).c_str(), permitted_mode(mode, node.stat.st_mode & S_IFMT), 0) < 0)
        return host_error("chmod in a volume failed");
    return {};
}

lib::Result<void> change_size(const Node& node, uint64_t size)
{
    if (S_ISDIR(node.stat.st_mode))
        return lib::Error(lib::Errno::ISDIR, "Tsetattr size of a directory");
    if (!S_ISREG(node.stat.st_mode) || size > uint64_t(INT64_MAX))
        return lib::Error(lib::Errno::INVAL, "Tsetattr size of a non-file, or beyond the largest offset");
    if (truncate(proc_path(node.fd.get()).c_str(), off_t(size)) < 0)
        return host_error("truncate in a volume failed");
    return {};
}

} // namespace

// Tgetattr fid[4] request_mask[8] -> Rgetattr: the basic fields, whatever was asked.
lib::Result<void> NinepServer::getattr(ninep::Reader& in, Reply& reply)
{
    uint32_t number = in.u32();
    in.u64();
    TRY(in.finish());
    Fid* fid = TRY(find(number));
    if (fstat(fid->node.fd.get(), &fid->node.stat) < 0)
        return host_error("fstat in a volume failed");
    reply.out.attributes(attributes_of(fid->node.stat));
    return {};
}

// Tsetattr fid[4] valid[4] mode[4] uid[4] gid[4] size[8] atime_sec[8] atime_nsec[8]
// mtime_sec[8] mtime_nsec[8] -> Rsetattr. Mode, owner, size, then times; the first host
// error ends it. SetCtime alone changes nothing (the host sets ctime itself).
lib::Result<void> NinepServer::setattr(ninep::Reader& in, Reply&)
{
    uint32_t number = in.u32(), valid = in.u32(), mode = in.u32(), uid = in.u32(), gid = in.u32();
    uint64_t size = in.u64();
    uint64_t atime_sec = in.u64(), atime_nsec = in.u64(), mtime_sec = in.u64(), mtime_nsec = in.u64();
    TRY(in.finish());
    Fid* fid = TRY(find(number));
    if (valid & kChanges)
        TRY(check_writable());
    const Node& node = fid->node;
    if (valid & SetMode)
        TRY(change_mode(node, mode));
    if (valid & (SetUid | SetGid)) {
        uid_t owner = valid & SetUid ? uid_t(uid) : uid_t(-1);
        gid_t group = valid & SetGid ? gid_t(gid) : gid_t(-1);
        if (fchownat(node.fd.get(), "", owner, group, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
            return host_error("chown in a volume failed");
    }
    if (valid & SetSize)
        TRY(change_size(node, size));
    if (valid & (SetAtime | SetMtime)) {
        timespec times[2] = { time_change(valid, SetAtime, SetAtimeGiven, atime_sec, atime_nsec),
            time_change(valid, SetMtime, SetMtimeGiven, mtime_sec, mtime_nsec) };
        if (utimensat(node.fd.get(), "", times, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
            return host_error("utimensat in a volume failed");
    }
    return {};
}

// Treadlink fid[4] -> Rreadlink target[s].
lib::Result<void> NinepServer::readlink(ninep::Reader& in, Reply& reply)
{
    uint32_t number = in.u32();
    TRY(in.finish());
    Fid* fid = TRY(find(number));
    if (!S_ISLNK(fid->node.stat.st_mode))
        return lib::Error(lib::Errno::INVAL, "Treadlink of a node that is not a symlink");
    std::array<char, PATH_MAX> target;
    ssize_t n = readlinkat(fid->node.fd.get(), "", target.data(), target.size());
    if (n < 0)
        return host_error("readlink in a volume failed");
    if (size_t(n) == target.size())
        return lib::Error(lib::Errno::NAMETOOLONG, "a volume symlink's target is longer than PATH_MAX");
    reply.out.string(std::string_view(target.data(), size_t(n)));
    return {};
}

} // namespace monitor::volume
