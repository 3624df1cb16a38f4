// struct stat as the x86-64 Linux kernel fills it (arch/x86/include/uapi/asm/stat.h); the
// same layout glibc's and musl's struct stat have on x86-64.
#pragma once

#include <cstdint>

namespace fs {

struct LinuxStat {
    uint64_t st_dev;
    uint64_t st_ino;
    uint64_t st_nlink;
    uint32_t st_mode;
    uint32_t st_uid;
    uint32_t st_gid;
    uint32_t pad0;
    uint64_t st_rdev;
    int64_t st_size;
    int64_t st_blksize;
    int64_t st_blocks;
    int64_t st_atime_sec, st_atime_nsec;
    int64_t st_mtime_sec, st_mtime_nsec;
    int64_t st_ctime_sec, st_ctime_nsec;
    int64_t reserved[3];
};
static_assert(sizeof(LinuxStat) == 144);
static_assert(__builtin_offsetof(LinuxStat, st_mode) == 24);
static_assert(__builtin_offsetof(LinuxStat, st_size) == 48);

// File type bits of st_mode (POSIX, Linux values).
constexpr uint32_t kModeTypeMask = 0170000, kModeRegular = 0100000, kModeDirectory = 0040000, kModeSymlink = 0120000,
                   kModeCharDevice = 0020000, kModeFifo = 0010000;

} // namespace fs
