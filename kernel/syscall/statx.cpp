// statx(2): what newfstatat knows, in struct statx. glibc's stat family uses statx only
// when asked for it, but coreutils (ls, stat, cp...) call statx directly since glibc 2.28.
#include <kernel/syscall/syscall.h>
#include <kernel/syscall/syscall_util.h>

namespace sys {

namespace {

constexpr int kKnownFlags
    = abi::kAtSymlinkNofollow | abi::kAtEmptyPath | abi::kAtNoAutomount | abi::kAtStatxSyncTypeMask;

// The split of a dev_t into major and minor numbers (glibc's gnu_dev_major/minor).
uint32_t major_of(uint64_t dev) { return uint32_t(((dev >> 8) & 0xfff) | ((dev >> 32) & ~0xfffull)); }
uint32_t minor_of(uint64_t dev) { return uint32_t((dev & 0xff) | ((dev >> 12) & ~0xffull)); }

abi::StatxTimestamp timestamp(int64_t seconds, int64_t nanoseconds) { return { seconds, uint32_t(nanoseconds), 0 }; }

void fill(abi::Statx& out, const fs::LinuxStat& st)
{
    out = {};
    out.stx_mask = abi::kStatxBasicStats; // everything stat has; no STATX_BTIME
    out.stx_blksize = uint32_t(st.st_blksize);
    out.stx_nlink = uint32_t(st.st_nlink);
    out.stx_uid = st.st_uid;
    out.stx_gid = st.st_gid;
    out.stx_mode = uint16_t(st.st_mode);
    out.stx_ino = st.st_ino;
    out.stx_size = uint64_t(st.st_size);
    out.stx_blocks = uint64_t(st.st_blocks);
    out.stx_atime = timestamp(st.st_atime_sec, st.st_atime_nsec);
    out.stx_mtime = timestamp(st.st_mtime_sec, st.st_mtime_nsec);
    out.stx_ctime = timestamp(st.st_ctime_sec, st.st_ctime_nsec);
    out.stx_rdev_major = major_of(st.st_rdev), out.stx_rdev_minor = minor_of(st.st_rdev);
    out.stx_dev_major = major_of(st.st_dev), out.stx_dev_minor = minor_of(st.st_dev);
}

} // namespace

SysResult statx(int dirfd, const char* path, int flags, unsigned mask, abi::Statx* out)
{
    if ((flags & ~kKnownFlags) || (flags & abi::kAtStatxSyncTypeMask) == abi::kAtStatxSyncTypeMask
        || (mask & abi::kStatxReserved))
        return lib::Error(lib::Errno::INVAL, "statx: unknown flags or mask bits");
    TRY(check_user_range(out, sizeof(*out), UserAccess::Write));
    fs::LinuxStat st;
    TRY(newfstatat(dirfd, path, &st, flags & (abi::kAtSymlinkNofollow | abi::kAtEmptyPath)));
    fill(*out, st);
    return 0;
}

} // namespace sys
