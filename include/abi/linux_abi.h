// Linux x86-64 user ABI values and structures the system calls exchange with callers
// (include/uapi/... of Linux 6.1; the layouts musl's and glibc's x86-64 headers use).
#pragma once

#include <cstddef>
#include <cstdint>

namespace linux_abi {

struct Timespec {
    int64_t tv_sec;
    int64_t tv_nsec;
};
struct Itimerspec { // timer_settime(2)
    Timespec it_interval;
    Timespec it_value;
};
static_assert(sizeof(Timespec) == 16);

struct Timeval {
    int64_t tv_sec;
    int64_t tv_usec;
};
struct Rusage { // getrusage(2): struct rusage, x86-64
    Timeval ru_utime;
    Timeval ru_stime;
    int64_t rest[14]; // ru_maxrss .. ru_nivcsw
};
static_assert(sizeof(Rusage) == 144);
struct Tms { // times(2)
    int64_t tms_utime, tms_stime, tms_cutime, tms_cstime;
};
constexpr int kRusageSelf = 0, kRusageChildren = -1, kRusageThread = 1;
struct Itimerval { // setitimer(2)
    Timeval it_interval;
    Timeval it_value;
};
constexpr int kItimerReal = 0, kItimerVirtual = 1, kItimerProf = 2;
struct Timex { // adjtimex(2), clock_adjtime(2): struct timex, x86-64
    uint32_t modes;
    int64_t offset, freq, maxerror, esterror;
    int32_t status;
    int64_t constant, precision, tolerance;
    Timeval time;
    int64_t tick, ppsfreq, jitter;
    int32_t shift;
    int64_t stabil, jitcnt, calcnt, errcnt, stbcnt;
    int32_t tai;
    int32_t reserved[11];
};
static_assert(sizeof(Timex) == 208 && __builtin_offsetof(Timex, time) == 72 && __builtin_offsetof(Timex, tai) == 160);
constexpr uint32_t kAdjAdjtime = 0x8000, kAdjOffsetSingleshot = 0x0001, kAdjOffsetReadOnly = 0x2000;
constexpr int32_t kStaUnsync = 0x0040;
constexpr int kTimeError = 5; // TIME_ERROR: the clock is not synchronised
static_assert(sizeof(Timeval) == 16);

struct Iovec {
    void* iov_base;
    size_t iov_len;
};
static_assert(sizeof(Iovec) == 16);

/// struct msghdr and struct mmsghdr (include/linux/socket.h), as sendmsg/recvmsg and
/// sendmmsg/recvmmsg take them.
struct MessageHeader {
    void* msg_name;
    uint32_t msg_namelen;
    Iovec* msg_iov;
    size_t msg_iovlen;
    void* msg_control;
    size_t msg_controllen;
    int msg_flags;
};
static_assert(sizeof(MessageHeader) == 56);
struct MultiMessageHeader {
    MessageHeader msg_hdr;
    unsigned msg_len;
};
static_assert(sizeof(MultiMessageHeader) == 64);

// include/uapi/linux/utsname.h, struct new_utsname.
struct Utsname {
    char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
};
static_assert(sizeof(Utsname) == 390);

struct Rlimit {
    uint64_t rlim_cur;
    uint64_t rlim_max;
};
constexpr uint64_t kRlimInfinity = ~uint64_t(0);
enum Resource : int {
    kRlimitCpu = 0,
    kRlimitFsize,
    kRlimitData,
    kRlimitStack,
    kRlimitCore,
    kRlimitRss,
    kRlimitNproc,
    kRlimitNofile,
    kRlimitMemlock,
    kRlimitAs,
    kRlimitNlimits = 16
};
// include/uapi/linux/fs.h INR_OPEN_CUR: RLIMIT_NOFILE's initial soft limit.
constexpr int kInitialOpenFilesLimit = 1024;

// include/uapi/linux/sysinfo.h
struct Sysinfo {
    int64_t uptime;
    uint64_t loads[3];
    uint64_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
    uint16_t procs, pad;
    uint64_t totalhigh, freehigh;
    uint32_t mem_unit;
    char reserved[4];
};
static_assert(sizeof(Sysinfo) == 112);
static_assert(offsetof(Sysinfo, mem_unit) == 104);

struct Pollfd {
    int fd;
    int16_t events;
    int16_t revents;
};
// The events are fs::PollEvents (kernel/fs/file.h).

struct Winsize {
    uint16_t ws_row, ws_col, ws_xpixel, ws_ypixel;
};

// struct termios as the kernel's kTcgets fills it (asm-generic/termbits.h: NCCS 19).
struct KernelTermios {
    uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
    uint8_t c_line;
    uint8_t c_cc[19];
};
static_assert(sizeof(KernelTermios) == 36);

// The kernel's struct sigaction (arch/x86/include/asm/signal.h, with SA_RESTORER).
struct KernelSigaction {
    uint64_t handler;
    uint64_t flags;
    uint64_t restorer;
    uint64_t mask;
};
constexpr uint64_t kSigDefault = 0, kSigIgnore = 1;
constexpr int kSignalCount = 64;
constexpr int kSigabrt = 6, kSigkill = 9, kSigsegv = 11, kSigstop = 19, kSigchld = 17, kSigcont = 18, kSigurg = 23,
              kSigwinch = 28;

constexpr unsigned long kTcgets = 0x5401, kTcsets = 0x5402, kTiocgwinsz = 0x5413, kTiocgpgrp = 0x540f,
                        kFionbio = 0x5421, kFioclex = 0x5451, kFionclex = 0x5450, kFionread = 0x541b;

constexpr int kFDupfd = 0, kFGetfd = 1, kFSetfd = 2, kFGetfl = 3, kFSetfl = 4, kFDupfdCloexec = 1030;
constexpr int kFSetpipeSz = 1031, kFGetpipeSz = 1032;
constexpr int kFGetlk = 5, kFSetlk = 6, kFSetlkw = 7;
constexpr short kFRdlck = 0, kFWrlck = 1, kFUnlck = 2;
struct Flock { // fcntl(2) record locks, include/uapi/asm-generic/fcntl.h on x86-64
    short l_type;
    short l_whence;
    int64_t l_start;
    int64_t l_len;
    int32_t l_pid;
};
static_assert(sizeof(Flock) == 32);
constexpr int kFdCloexec = 1;
constexpr int kOCloexec = 02000000;
constexpr int kAtFdcwd = -100, kAtSymlinkNofollow = 0x100, kAtEmptyPath = 0x1000;
constexpr int kAtNoAutomount = 0x800, kAtStatxSyncTypeMask = 0x6000;
constexpr int kAtRemovedir = 0x200, kAtSymlinkFollow = 0x400, kAtEaccess = 0x200;
constexpr int64_t kUtimeNow = (int64_t(1) << 30) - 1, kUtimeOmit = (int64_t(1) << 30) - 2;

// statfs(2) (arch-independent struct statfs of x86-64, include/uapi/asm-generic/statfs.h).
struct Statfs {
    int64_t f_type, f_bsize;
    uint64_t f_blocks, f_bfree, f_bavail, f_files, f_ffree;
    int32_t f_fsid[2];
    int64_t f_namelen, f_frsize, f_flags;
    int64_t f_spare[4];
};
static_assert(sizeof(Statfs) == 120);
static_assert(__builtin_offsetof(Statfs, f_fsid) == 56);
constexpr int64_t kTmpfsMagic = 0x01021994;

// statx(2), include/uapi/linux/stat.h.
struct StatxTimestamp {
    int64_t tv_sec;
    uint32_t tv_nsec;
    int32_t reserved;
};
struct Statx {
    uint32_t stx_mask, stx_blksize;
    uint64_t stx_attributes;
    uint32_t stx_nlink, stx_uid, stx_gid;
    uint16_t stx_mode, spare0;
    uint64_t stx_ino, stx_size, stx_blocks, stx_attributes_mask;
    StatxTimestamp stx_atime, stx_btime, stx_ctime, stx_mtime;
    uint32_t stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
    uint64_t stx_mnt_id;
    uint32_t stx_dio_mem_align, stx_dio_offset_align;
    uint64_t spare3[12];
};
static_assert(sizeof(Statx) == 256 && __builtin_offsetof(Statx, stx_mode) == 28
    && __builtin_offsetof(Statx, stx_atime) == 64 && __builtin_offsetof(Statx, stx_rdev_major) == 128);
constexpr unsigned kStatxBasicStats = 0x7ff, kStatxReserved = 0x80000000u;

constexpr int kProtRead = 1, kProtWrite = 2, kProtExec = 4;
// include/uapi/asm-generic/mman-common.h, mman.h and arch/x86/include/uapi/asm/mman.h.
constexpr int kProtGrowsdown = 0x01000000, kProtGrowsup = 0x02000000;
constexpr int kMapShared = 0x01, kMapPrivate = 0x02, kMapSharedValidate = 0x03, kMapTypeMask = 0x0f, kMapFixed = 0x10,
              kMapAnonymous = 0x20, kMap32bit = 0x40, kMapGrowsdown = 0x100, kMapDenywrite = 0x800,
              kMapExecutable = 0x1000, kMapLocked = 0x2000, kMapNoreserve = 0x4000, kMapPopulate = 0x8000,
              kMapNonblock = 0x10000, kMapStack = 0x20000, kMapHugetlb = 0x40000, kMapSync = 0x80000,
              kMapFixedNoreplace = 0x100000, kMapUninitialized = 0x4000000;
// Huge-page size requests live in bits 26..31 (MAP_HUGE_SHIFT) and need MAP_HUGETLB.
constexpr int kMapHugeMask = 0x3f << 26;
constexpr int kMremapMaymove = 1, kMremapFixed = 2, kMremapDontunmap = 4;
constexpr int kMadvNormal = 0, kMadvRandom = 1, kMadvSequential = 2, kMadvWillneed = 3, kMadvDontneed = 4,
              kMadvFree = 8, kMadvRemove = 9, kMadvDontfork = 10, kMadvDofork = 11, kMadvMergeable = 12,
              kMadvUnmergeable = 13, kMadvHugepage = 14, kMadvNohugepage = 15, kMadvDontdump = 16, kMadvDodump = 17,
              kMadvWipeonfork = 18, kMadvKeeponfork = 19, kMadvCold = 20, kMadvPageout = 21, kMadvPopulateRead = 22,
              kMadvPopulateWrite = 23;
constexpr int kMsAsync = 1, kMsInvalidate = 2, kMsSync = 4;

constexpr int kClockRealtime = 0, kClockMonotonic = 1, kClockProcessCputimeId = 2, kClockThreadCputimeId = 3,
              kClockMonotonicRaw = 4, kClockRealtimeCoarse = 5, kClockMonotonicCoarse = 6, kClockBoottime = 7;
constexpr int kTimerAbstime = 1;

constexpr int kArchSetGs = 0x1001, kArchSetFs = 0x1002, kArchGetFs = 0x1003, kArchGetGs = 0x1004;

// clone(2) flags (linux/sched.h). A thread of the process needs all of kCloneThreadFamily;
// anything else would make a process. The low byte is the exit signal.
constexpr uint64_t kCloneVm = 0x100, kCloneFs = 0x200, kCloneFiles = 0x400, kCloneSighand = 0x800, kCloneVfork = 0x4000,
                   kCloneThread = 0x10000, kCloneSysvsem = 0x40000, kCloneSettls = 0x80000,
                   kCloneParentSettid = 0x100000, kCloneChildCleartid = 0x200000, kCloneDetached = 0x400000,
                   kCloneChildSettid = 0x1000000;
constexpr uint64_t kCloneThreadFamily = kCloneVm | kCloneFs | kCloneFiles | kCloneSighand | kCloneThread;
constexpr uint64_t kCloneKnownThreadFlags = kCloneThreadFamily | kCloneSysvsem | kCloneSettls | kCloneParentSettid
    | kCloneChildCleartid | kCloneDetached | kCloneChildSettid | 0xff;
constexpr unsigned kGrndNonblock = 1, kGrndRandom = 2, kGrndInsecure = 4;

} // namespace linux_abi
