// Opening, closing, describing and controlling file descriptors. Paths go to the root
// tree (kernel/fs/root_fs.h) from the working directory or a directory descriptor.
#include <kernel/fs/event_file.h>
#include <kernel/fs/fd_table.h>
#include <kernel/fs/pipe.h>
#include <kernel/fs/root_fs.h>
#include <kernel/syscall/syscall.h>
#include <kernel/syscall/syscall_util.h>
#include <vfs/path_walk.h>

#include <cstring>

namespace sys {

namespace {

constexpr int kExecuteAccess = 1; // X_OK

void fill_terminal_modes(abi::KernelTermios& t)
{
    t = {};
    t.c_iflag = 0x500;  // ICRNL | IXON
    t.c_oflag = 0x5;    // OPOST | ONLCR
    t.c_cflag = 0xbf;   // B38400 | CS8 | CREAD
    t.c_lflag = 0x8a3b; // ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN
    t.c_cc[0] = 3, t.c_cc[1] = 28, t.c_cc[2] = 127, t.c_cc[3] = 21, t.c_cc[4] = 4, t.c_cc[6] = 1;
}

// POSIX record locks (fcntl F_GETLK/F_SETLK/F_SETLKW) belong to the process, and a
// process's own locks never conflict with each other: with one process every lock is
// granted at once and F_GETLK always finds the range free. The request is still checked as
// Linux does (lock type, access mode of the descriptor). Open-file-description locks
// (F_OFD_*) can conflict inside one process and are not supported yet (EINVAL).
SysResult record_lock(fs::File& file, int command, abi::Flock* lock)
{
    TRY(check_user_range(lock, sizeof(*lock), command == abi::kFGetlk ? UserAccess::Write : UserAccess::Read));
    if (lock->l_type != abi::kFRdlck && lock->l_type != abi::kFWrlck && lock->l_type != abi::kFUnlck)
        return lib::Error(lib::Errno::INVAL, "fcntl: bad lock type");
    if (lock->l_whence < 0 || lock->l_whence > 2)
        return lib::Error(lib::Errno::INVAL, "fcntl: bad lock whence");
    if (command == abi::kFGetlk) {
        lock->l_type = abi::kFUnlck;
        return 0;
    }
    int access = file.open_flags() & fs::kOpenAccessMask;
    if ((lock->l_type == abi::kFRdlck && access == fs::kOpenWriteOnly)
        || (lock->l_type == abi::kFWrlck && access == fs::kOpenReadOnly))
        return lib::Error(lib::Errno::BADF, "fcntl: the descriptor's access mode does not allow this lock");
    return 0;
}

} // namespace

lib::Result<size_t> copy_path(const char* path, char* out, size_t size)
{
    TRY(check_user_range(path, 1));
    size_t length = strnlen(path, size);
    if (length == size)
        return lib::Error(lib::Errno::NAMETOOLONG, "path too long");
    if (length == 0)
        return lib::Error(lib::Errno::NOENT, "empty path");
    memcpy(out, path, length + 1);
    return length;
}

SysResult openat(int dirfd, const char* path, int flags, unsigned mode)
{
    UserPath copy;
    TRY(read_path(path, copy));
    auto start = TRY(start_directory(dirfd, copy.view()));
    auto* file = TRY(fs::open_at(start.get(), copy.view(), flags, mode));
    return long(TRY(fs::descriptors().install(file, flags & abi::kOCloexec)));
}

namespace {

// openat2(2)'s struct open_how (include/uapi/linux/openat2.h): version 0 is 24 bytes;
// a larger one is accepted when every byte past what is known is zero.
struct OpenHow {
    uint64_t flags;
    uint64_t mode;
    uint64_t resolve;
};
static_assert(sizeof(OpenHow) == 24);
constexpr size_t kOpenHowLargest = 4096; // a page, as Linux's copy_struct_from_user allows
constexpr uint64_t kResolveCached = 0x20;
constexpr uint64_t kResolveKnown = vfs::ResolveNoCrossing | vfs::ResolveNoMagicLinks | vfs::ResolveNoSymlinks
    | vfs::ResolveBeneath | vfs::ResolveInRoot | kResolveCached;
// The open flags Linux knows (VALID_OPEN_FLAGS); openat2 refuses others, open ignores them.
constexpr uint64_t kKnownOpenFlags = 03 | 0100 | 0200 | 0400 | 01000 | 02000 | 04000 | 010000 | 020000 | 040000
    | 0100000 | 0200000 | 0400000 | 01000000 | 02000000 | 04000000 | 010000000 | 020000000;

lib::Result<OpenHow> read_open_how(const void* how, size_t size)
{
    if (size < sizeof(OpenHow))
        return lib::Error(lib::Errno::INVAL, "openat2: open_how smaller than its first version");
    if (size > kOpenHowLargest)
        return lib::Error(lib::Errno::TOOBIG, "openat2: open_how larger than a page");
    TRY(check_user_range(how, size));
    const auto* bytes = static_cast<const uint8_t*>(how);
    for (size_t i = sizeof(OpenHow); i < size; ++i)
        if (bytes[i])
            return lib::Error(lib::Errno::TOOBIG, "openat2: fields this kernel does not know are set");
    OpenHow read;
    memcpy(&read, how, sizeof(read));
    bool creates = (read.flags & fs::kOpenCreate) || (read.flags & fs::kOpenTemporary) == fs::kOpenTemporary;
    if ((read.flags & ~kKnownOpenFlags) || (read.resolve & ~kResolveKnown) || read.mode > 07777
        || (read.mode && !creates))
        return lib::Error(lib::Errno::INVAL, "openat2: unknown flags, or a mode without O_CREAT/O_TMPFILE");
    if ((read.resolve & vfs::ResolveBeneath) && (read.resolve & vfs::ResolveInRoot))
        return lib::Error(lib::Errno::INVAL, "openat2: RESOLVE_BENEATH and RESOLVE_IN_ROOT together");
    if ((read.resolve & kResolveCached) && (read.flags & (fs::kOpenCreate | fs::kOpenTruncate | fs::kOpenTemporary)))
        return lib::Error(lib::Errno::AGAIN, "openat2: RESOLVE_CACHED cannot create or truncate");
    return read;
}

} // namespace

SysResult openat2(int dirfd, const char* path, const void* how, size_t size)
{
    OpenHow open_how = TRY(read_open_how(how, size));
    UserPath copy;
    TRY(read_path(path, copy));
    // Under RESOLVE_IN_ROOT an absolute path starts at `dirfd` too: it is the root.
    auto start = TRY(start_directory(dirfd, open_how.resolve & vfs::ResolveInRoot ? "." : copy.view()));
    int flags = int(open_how.flags);
    // RESOLVE_CACHED: the tree is all in memory, so every lookup is cached.
    unsigned resolve = unsigned(open_how.resolve & ~kResolveCached);
    auto* file = TRY(fs::open_at(start.get(), copy.view(), flags, unsigned(open_how.mode), resolve));
    return long(TRY(fs::descriptors().install(file, flags & abi::kOCloexec)));
}

SysResult close(int fd)
{
    TRY(fs::descriptors().close(fd));
    return 0;
}

SysResult fstat(int fd, fs::LinuxStat* st)
{
    auto file = TRY(fs::descriptors().get(fd));
    TRY(check_user_range(st, sizeof(*st), UserAccess::Write));
    TRY(file->stat(*st));
    return 0;
}

SysResult newfstatat(int dirfd, const char* path, fs::LinuxStat* st, int flags)
{
    TRY(check_user_range(path, 1));
    if ((flags & abi::kAtEmptyPath) && path[0] == '\0')
        return fstat(dirfd, st);
    UserPath copy;
    TRY(read_path(path, copy));
    auto start = TRY(start_directory(dirfd, copy.view()));
    TRY(check_user_range(st, sizeof(*st), UserAccess::Write));
    auto follow = (flags & abi::kAtSymlinkNofollow) ? vfs::Follow::No : vfs::Follow::Yes;
    TRY(fs::stat_at(start.get(), copy.view(), *st, follow));
    return 0;
}

// Permission bits are not checked (NOT LINUX, as open does not check them): every access is
// allowed but executing a file with no execute bit.
SysResult faccessat(int dirfd, const char* path, int mode, int flags)
{
    if (mode & ~7)
        return lib::Error(lib::Errno::INVAL, "access: bad mode");
    if (flags & ~(abi::kAtSymlinkNofollow | abi::kAtEmptyPath | abi::kAtEaccess))
        return lib::Error(lib::Errno::INVAL, "faccessat2: unknown flags");
    fs::LinuxStat st;
    TRY(newfstatat(dirfd, path, &st, flags & (abi::kAtSymlinkNofollow | abi::kAtEmptyPath)));
    bool directory = (st.st_mode & fs::kModeTypeMask) == fs::kModeDirectory;
    if ((mode & kExecuteAccess) && !directory && !(st.st_mode & 0111))
        return lib::Error(lib::Errno::ACCES, "no execute permission");
    return 0;
}

SysResult ioctl(int fd, unsigned long request, uintptr_t argument)
{
    auto file = TRY(fs::descriptors().get(fd));
    switch (request) {
    case abi::kFionbio: {
        auto* on = reinterpret_cast<const int*>(argument);
        TRY(check_user_range(on, sizeof(*on)));
        int flags = file->open_flags() & ~fs::kOpenNonBlocking;
        file->set_open_flags(*on ? flags | fs::kOpenNonBlocking : flags);
        return 0;
    }
    case abi::kFionread: {
        auto* count = reinterpret_cast<int*>(argument);
        TRY(check_user_range(count, sizeof(*count), UserAccess::Write));
        *count = int(TRY(file->bytes_readable()));
        return 0;
    }
    case abi::kFioclex:
    case abi::kFionclex: TRY(fs::descriptors().set_close_on_exec(fd, request == abi::kFioclex)); return 0;
    }
    if (file->is_socket() && is_interface_ioctl(request))
        return interface_ioctl(request, argument);
    // Terminal requests: only a console in `console=tty` mode is a terminal (isatty()).
    if (!file->is_terminal())
        return lib::Error(lib::Errno::NOTTY, "not a terminal");
    switch (request) {
    case abi::kTcgets: {
        auto* t = reinterpret_cast<abi::KernelTermios*>(argument);
        TRY(check_user_range(t, sizeof(*t), UserAccess::Write));
        fill_terminal_modes(*t);
        return 0;
    }
    case abi::kTiocgwinsz: {
        auto* ws = reinterpret_cast<abi::Winsize*>(argument);
        TRY(check_user_range(ws, sizeof(*ws), UserAccess::Write));
        *ws = { 24, 80, 0, 0 };
        return 0;
    }
    case abi::kTcsets:
    case abi::kTcsets + 1: // TCSETSW
    case abi::kTcsets + 2: // TCSETSF
        return 0;          // accepted, not applied: the serial console has no line discipline
    case abi::kTiocgpgrp:
        TRY(check_user_range(reinterpret_cast<int*>(argument), sizeof(int), UserAccess::Write));
        *reinterpret_cast<int*>(argument) = 1;
        return 0;
    }
    return lib::Error(lib::Errno::INVAL, "unsupported terminal ioctl");
}

SysResult fcntl(int fd, int command, uintptr_t argument)
{
    auto file = TRY(fs::descriptors().get(fd));
    switch (command) {
    case abi::kFGetfd: return TRY(fs::descriptors().close_on_exec(fd)) ? abi::kFdCloexec : 0;
    case abi::kFSetfd: TRY(fs::descriptors().set_close_on_exec(fd, argument & abi::kFdCloexec)); return 0;
    case abi::kFGetfl: return file->open_flags();
    case abi::kFSetfl: {
        constexpr int kChangeable = 02000 | 04000; // O_APPEND | O_NONBLOCK
        file->set_open_flags((file->open_flags() & ~kChangeable) | (int(argument) & kChangeable));
        return 0;
    }
    case abi::kFDupfd:
    case abi::kFDupfdCloexec:
        return long(TRY(fs::descriptors().duplicate(fd, int(argument), false, command == abi::kFDupfdCloexec)));
    case abi::kFGetlk:
    case abi::kFSetlk:
    case abi::kFSetlkw: return record_lock(*file, command, reinterpret_cast<abi::Flock*>(argument));
    case abi::kFGetpipeSz:
    case abi::kFSetpipeSz: // the size stays fs::kPipeCapacity; Linux may round a request up too
    {
        fs::LinuxStat st;
        TRY(file->stat(st));
        if ((st.st_mode & fs::kModeTypeMask) != fs::kModeFifo)
            return lib::Error(lib::Errno::BADF, "not a pipe");
        if (command == abi::kFSetpipeSz && argument > fs::kPipeCapacity)
            return lib::Error(lib::Errno::PERM, "pipes stay at 64 KiB");
        return long(fs::kPipeCapacity);
    }
    }
    return lib::Error(lib::Errno::INVAL, "unsupported fcntl command");
}

SysResult pipe2(int* fds, int flags)
{
    if (flags & ~(abi::kOCloexec | fs::kOpenNonBlocking)) // O_DIRECT: packet mode, not supported
        return lib::Error(lib::Errno::INVAL, "bad pipe2 flags");
    TRY(check_user_range(fds, 2 * sizeof(int), UserAccess::Write));
    fs::File* read_end;
    fs::File* write_end;
    TRY(fs::make_pipe(read_end, write_end, flags & fs::kOpenNonBlocking));
    TRY(fs::descriptors().install_pair(read_end, write_end, flags & abi::kOCloexec, fds));
    return 0;
}

SysResult eventfd2(unsigned initial, int flags)
{
    constexpr int kSemaphore = 1; // EFD_SEMAPHORE; EFD_CLOEXEC and EFD_NONBLOCK are O_'s
    if (flags & ~(kSemaphore | abi::kOCloexec | fs::kOpenNonBlocking))
        return lib::Error(lib::Errno::INVAL, "bad eventfd flags");
    fs::File* file = TRY(fs::make_event_file(initial, flags & kSemaphore, flags & fs::kOpenNonBlocking));
    return long(TRY(fs::descriptors().install(file, flags & abi::kOCloexec)));
}

SysResult dup3(int fd, int new_fd, int flags, bool exact)
{
    if (flags & ~abi::kOCloexec)
        return lib::Error(lib::Errno::INVAL, "bad dup3 flags");
    if (!exact)
        return long(TRY(fs::descriptors().duplicate(fd, 0, false, false)));
    if (fd == new_fd)
        return lib::Error(lib::Errno::INVAL, "dup3 onto the same descriptor");
    TRY(fs::descriptors().get(fd));
    return long(TRY(fs::descriptors().duplicate(fd, new_fd, true, flags & abi::kOCloexec)));
}

} // namespace sys
