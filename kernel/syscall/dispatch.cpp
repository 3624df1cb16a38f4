// run_system_call: the one way into the kernel's Linux system-call functions (syscall.h),
// from musl (osprey_syscall) and from the syscall instruction (system_call_instruction.cpp). Each call runs as a
// sched::KernelSection (no other thread's kernel code runs until it returns or blocks),
// but for the few that need no big lock (answer_without_kernel_lock), and delivers the
// thread's pending signals on the way out, after which an interrupted call may start
// again (restart.h). Numbers are the x86-64 Linux ABI
// (arch/x86/entry/syscalls/syscall_64.tbl). This is the only place where an Errno becomes
// the negative return value of the Linux ABI. An unknown number returns -ENOSYS and is
// logged once, at debug level (log.syscall=debug).
#include <kernel/console/log.h>
#include <kernel/syscall/restart.h>
#include <kernel/syscall/signal_frame.h>
#include <kernel/syscall/syscall.h>
#include <kernel/syscall/system_call_numbers.h>
#include <sched/scheduler.h>

namespace {

using sys::SysResult;
namespace abi = linux_abi;

using namespace sys::call; // the numbers, unqualified in the tables below

constexpr long kMaxLogged = 512;
uint64_t g_logged_unknown[kMaxLogged / 64];

SysResult unknown(long n)
{
    if (n >= 0 && n < kMaxLogged && !(g_logged_unknown[n / 64] & (uint64_t(1) << (n % 64)))) {
        g_logged_unknown[n / 64] |= uint64_t(1) << (n % 64);
        klog::debug(klog::Subsystem::Syscall, "system call {} is not implemented: ENOSYS", n);
    }
    return lib::Errno::NOSYS;
}

template<typename T> T* ptr(long v) { return reinterpret_cast<T*>(v); }

SysResult dup2(int fd, int new_fd)
{
    if (fd == new_fd)
        return sys::fcntl(fd, abi::kFGetfd, 0).is_error() ? SysResult(lib::Errno::BADF) : SysResult(fd);
    return sys::dup3(fd, new_fd, 0, true);
}

SysResult rlimit(int resource, const abi::Rlimit* new_limit, abi::Rlimit* old_limit)
{
    return sys::prlimit64(0, resource, new_limit, old_limit);
}

// The socket calls (sockets.cpp); accept is accept4 without flags.
SysResult socket_call(long n, long a1, long a2, long a3, long a4, long a5, long a6)
{
    switch (n) {
    case Socket: return sys::socket(int(a1), int(a2), int(a3));
    case Socketpair: return sys::socketpair(int(a1), int(a2), int(a3), ptr<int>(a4));
    case Bind: return sys::bind(int(a1), ptr<const void>(a2), uint32_t(a3));
    case Listen: return sys::listen(int(a1), int(a2));
    case Accept: return sys::accept4(int(a1), ptr<void>(a2), ptr<uint32_t>(a3), 0);
    case Accept4: return sys::accept4(int(a1), ptr<void>(a2), ptr<uint32_t>(a3), int(a4));
    case Connect: return sys::connect(int(a1), ptr<const void>(a2), uint32_t(a3));
    case Sendto:
        return sys::sendto(int(a1), ptr<const void>(a2), size_t(a3), int(a4), ptr<const void>(a5), uint32_t(a6));
    case Recvfrom: return sys::recvfrom(int(a1), ptr<void>(a2), size_t(a3), int(a4), ptr<void>(a5), ptr<uint32_t>(a6));
    case Sendmsg: return sys::sendmsg(int(a1), ptr<const abi::MessageHeader>(a2), int(a3));
    case Recvmsg: return sys::recvmsg(int(a1), ptr<abi::MessageHeader>(a2), int(a3));
    case Sendmmsg: return sys::sendmmsg(int(a1), ptr<abi::MultiMessageHeader>(a2), unsigned(a3), int(a4));
    case Recvmmsg:
        return sys::recvmmsg(
            int(a1), ptr<abi::MultiMessageHeader>(a2), unsigned(a3), int(a4), ptr<const abi::Timespec>(a5));
    case Shutdown: return sys::shutdown(int(a1), int(a2));
    case Getsockname: return sys::getsockname(int(a1), ptr<void>(a2), ptr<uint32_t>(a3));
    case Getpeername: return sys::getpeername(int(a1), ptr<void>(a2), ptr<uint32_t>(a3));
    case Setsockopt: return sys::setsockopt(int(a1), int(a2), int(a3), ptr<const void>(a4), uint32_t(a5));
    case Getsockopt: return sys::getsockopt(int(a1), int(a2), int(a3), ptr<void>(a4), ptr<uint32_t>(a5));
    }
    return unknown(n);
}

// The file system calls (paths.cpp, file_attributes.cpp); the plain forms are the *at
// ones with AT_FDCWD.
SysResult file_call(long n, long a1, long a2, long a3, long a4, long a5, long a6)
{
    constexpr int cwd = abi::kAtFdcwd;
    switch (n) {
    case Getdents64: return sys::getdents64(int(a1), ptr<void>(a2), size_t(a3));
    case MemfdCreate: return sys::memfd_create(ptr<const char>(a1), unsigned(a2));
    case Getpriority: return sys::getpriority(int(a1), int(a2));
    case Setpriority: return sys::setpriority(int(a1), int(a2), int(a3));
    case Shmget: return sys::shmget(int32_t(a1), size_t(a2), int(a3));
    case Shmat: return sys::shmat(int(a1), uintptr_t(a2), int(a3));
    case Shmdt: return sys::shmdt(uintptr_t(a1));
    case Shmctl: return sys::shmctl(int(a1), int(a2), ptr<void>(a3));
    case Sendfile: return sys::sendfile(int(a1), int(a2), ptr<int64_t>(a3), size_t(a4));
    case Splice: return sys::splice(int(a1), ptr<int64_t>(a2), int(a3), ptr<int64_t>(a4), size_t(a5), unsigned(a6));
    case Tee: return sys::tee(int(a1), int(a2), size_t(a3), unsigned(a4));
    case Vmsplice: return sys::vmsplice(int(a1), ptr<const abi::Iovec>(a2), size_t(a3), unsigned(a4));
    case CopyFileRange:
        return sys::copy_file_range(int(a1), ptr<int64_t>(a2), int(a3), ptr<int64_t>(a4), size_t(a5), unsigned(a6));
    case TimerfdCreate: return sys::timerfd_create(int(a1), int(a2));
    case RtSigpending: return sys::rt_sigpending(ptr<uint64_t>(a1), size_t(a2));
    case Signalfd: return sys::signalfd4(int(a1), ptr<const uint64_t>(a2), size_t(a3), 0);
    case Signalfd4: return sys::signalfd4(int(a1), ptr<const uint64_t>(a2), size_t(a3), int(a4));
    case TimerfdSettime:
        return sys::timerfd_settime(int(a1), int(a2), ptr<const abi::Itimerspec>(a3), ptr<abi::Itimerspec>(a4));
    case TimerfdGettime: return sys::timerfd_gettime(int(a1), ptr<abi::Itimerspec>(a2));
    case Mkdir: return sys::mkdirat(cwd, ptr<const char>(a1), unsigned(a2));
    case Mkdirat: return sys::mkdirat(int(a1), ptr<const char>(a2), unsigned(a3));
    case Mknod: return sys::mknodat(cwd, ptr<const char>(a1), unsigned(a2), unsigned(a3));
    case Mknodat: return sys::mknodat(int(a1), ptr<const char>(a2), unsigned(a3), unsigned(a4));
    case Rmdir: return sys::unlinkat(cwd, ptr<const char>(a1), abi::kAtRemovedir);
    case Unlink: return sys::unlinkat(cwd, ptr<const char>(a1), 0);
    case Unlinkat: return sys::unlinkat(int(a1), ptr<const char>(a2), int(a3));
    case Rename: return sys::renameat2(cwd, ptr<const char>(a1), cwd, ptr<const char>(a2), 0);
    case Renameat: return sys::renameat2(int(a1), ptr<const char>(a2), int(a3), ptr<const char>(a4), 0);
    case Renameat2: return sys::renameat2(int(a1), ptr<const char>(a2), int(a3), ptr<const char>(a4), unsigned(a5));
    case Link: return sys::linkat(cwd, ptr<const char>(a1), cwd, ptr<const char>(a2), 0);
    case Linkat: return sys::linkat(int(a1), ptr<const char>(a2), int(a3), ptr<const char>(a4), int(a5));
    case Symlink: return sys::symlinkat(ptr<const char>(a1), cwd, ptr<const char>(a2));
    case Symlinkat: return sys::symlinkat(ptr<const char>(a1), int(a2), ptr<const char>(a3));
    case Readlink: return sys::readlinkat(cwd, ptr<const char>(a1), ptr<char>(a2), size_t(a3));
    case Readlinkat: return sys::readlinkat(int(a1), ptr<const char>(a2), ptr<char>(a3), size_t(a4));
    case Creat:
        return sys::openat(cwd, ptr<const char>(a1), 01 | 0100 | 01000, unsigned(a2)); // O_WRONLY|O_CREAT|O_TRUNC
    case Chdir: return sys::chdir(ptr<const char>(a1));
    case Fchdir: return sys::fchdir(int(a1));
    case Truncate: return sys::truncate(ptr<const char>(a1), a2);
    case Ftruncate: return sys::ftruncate(int(a1), a2);
    case Fallocate: return sys::fallocate(int(a1), int(a2), a3, a4);
    case Chmod: return sys::fchmodat(cwd, ptr<const char>(a1), unsigned(a2), 0);
    case Fchmod: return sys::fchmod(int(a1), unsigned(a2));
    case Fchmodat: return sys::fchmodat(int(a1), ptr<const char>(a2), unsigned(a3), 0);
    case Chown: return sys::fchownat(cwd, ptr<const char>(a1), uint32_t(a2), uint32_t(a3), 0);
    case Lchown: return sys::fchownat(cwd, ptr<const char>(a1), uint32_t(a2), uint32_t(a3), abi::kAtSymlinkNofollow);
    case Fchown: return sys::fchown(int(a1), uint32_t(a2), uint32_t(a3));
    case Fchownat: return sys::fchownat(int(a1), ptr<const char>(a2), uint32_t(a3), uint32_t(a4), int(a5));
    case Utimensat: return sys::utimensat(int(a1), ptr<const char>(a2), ptr<const abi::Timespec>(a3), int(a4));
    case Statfs: return sys::statfs(ptr<const char>(a1), ptr<abi::Statfs>(a2));
    case Fstatfs: return sys::fstatfs(int(a1), ptr<abi::Statfs>(a2));
    case Fsync:
    case Fdatasync:
    case Syncfs: return sys::fsync(int(a1));
    case Sync: return 0;
    case Flock: return sys::fsync(int(a1));     // one process: every lock is granted (the descriptor is checked)
    case Fadvise64: return sys::fsync(int(a1)); // advice only
    }
    if (n >= Setxattr && n <= Fremovexattr) { // path, lpath (no follow), fd: in threes
        constexpr sys::XattrCall kCalls[]
            = { sys::XattrCall::Set, sys::XattrCall::Get, sys::XattrCall::List, sys::XattrCall::Remove };
        int form = int(n - Setxattr) % 3;
        const char* path = form == 2 ? nullptr : ptr<const char>(a1);
        return sys::xattr_call(kCalls[(n - Setxattr) / 3], int(a1), path, form == 0);
    }
    return socket_call(n, a1, a2, a3, a4, a5, a6);
}

// `program_rsp`: the caller's stack pointer (sigaltstack refuses to change the alternate
// stack while the program runs on it).
SysResult call(long n, long a1, long a2, long a3, long a4, long a5, long a6, uint64_t program_rsp)
{
    switch (n) {
    case Read: return sys::read(int(a1), ptr<void>(a2), size_t(a3));
    case Write: return sys::write(int(a1), ptr<const void>(a2), size_t(a3));
    case Open: return sys::openat(abi::kAtFdcwd, ptr<const char>(a1), int(a2), unsigned(a3));
    case Close: return sys::close(int(a1));
    case Stat: return sys::newfstatat(abi::kAtFdcwd, ptr<const char>(a1), ptr<fs::LinuxStat>(a2), 0);
    case Fstat: return sys::fstat(int(a1), ptr<fs::LinuxStat>(a2));
    case Lstat:
        return sys::newfstatat(abi::kAtFdcwd, ptr<const char>(a1), ptr<fs::LinuxStat>(a2), abi::kAtSymlinkNofollow);
    case Poll: return sys::poll(ptr<abi::Pollfd>(a1), size_t(a2), int(a3));
    case Lseek: return sys::lseek(int(a1), a2, int(a3));
    case Mmap: return sys::mmap(uintptr_t(a1), size_t(a2), int(a3), int(a4), int(a5), a6);
    case Mprotect: return sys::mprotect(uintptr_t(a1), size_t(a2), int(a3));
    case Munmap: return sys::munmap(uintptr_t(a1), size_t(a2));
    case Brk: return sys::brk(uintptr_t(a1));
    case RtSigaction:
        return sys::rt_sigaction(
            int(a1), ptr<const abi::KernelSigaction>(a2), ptr<abi::KernelSigaction>(a3), size_t(a4));
    case RtSigprocmask: return sys::rt_sigprocmask(int(a1), ptr<const uint64_t>(a2), ptr<uint64_t>(a3), size_t(a4));
    case Ioctl: return sys::ioctl(int(a1), unsigned(a2), uintptr_t(a3));
    case Pread64: return sys::pread64(int(a1), ptr<void>(a2), size_t(a3), a4);
    case Pwrite64: return sys::pwrite64(int(a1), ptr<const void>(a2), size_t(a3), a4);
    case Readv: return sys::readv(int(a1), ptr<const abi::Iovec>(a2), int(a3));
    case Writev: return sys::writev(int(a1), ptr<const abi::Iovec>(a2), int(a3));
    // The offset comes as two words, low and high, of which x86-64 uses the low one whole.
    case Preadv: return sys::preadv2(int(a1), ptr<const abi::Iovec>(a2), int(a3), a4, 0, false);
    case Pwritev: return sys::pwritev2(int(a1), ptr<const abi::Iovec>(a2), int(a3), a4, 0, false);
    case Preadv2: return sys::preadv2(int(a1), ptr<const abi::Iovec>(a2), int(a3), a4, int(a6), true);
    case Pwritev2: return sys::pwritev2(int(a1), ptr<const abi::Iovec>(a2), int(a3), a4, int(a6), true);
    case Access: return sys::faccessat(abi::kAtFdcwd, ptr<const char>(a1), int(a2), 0);
    case SchedYield: return sys::sched_yield();
    case Mremap: return sys::mremap(uintptr_t(a1), size_t(a2), size_t(a3), int(a4), uintptr_t(a5));
    case Madvise: return sys::madvise(uintptr_t(a1), size_t(a2), int(a3));
    case Msync: return sys::msync(uintptr_t(a1), size_t(a2), int(a3));
    case Mincore: return sys::mincore(uintptr_t(a1), size_t(a2), ptr<uint8_t>(a3));
    case Dup: return sys::dup3(int(a1), 0, 0, false);
    case Dup2: return dup2(int(a1), int(a2));
    case Getitimer: return sys::getitimer(int(a1), ptr<abi::Itimerval>(a2));
    case Alarm: return sys::alarm(unsigned(a1));
    case Setitimer: return sys::setitimer(int(a1), ptr<const abi::Itimerval>(a2), ptr<abi::Itimerval>(a3));
    case Nanosleep: return sys::nanosleep(ptr<const abi::Timespec>(a1), ptr<abi::Timespec>(a2));
    case Setuid: return sys::setuid(uint32_t(a1));
    case Setgid: return sys::setgid(uint32_t(a1));
    case Setreuid: return sys::setreuid(uint32_t(a1), uint32_t(a2));
    case Setregid: return sys::setregid(uint32_t(a1), uint32_t(a2));
    case Setresuid: return sys::setresuid(uint32_t(a1), uint32_t(a2), uint32_t(a3));
    case Setresgid: return sys::setresgid(uint32_t(a1), uint32_t(a2), uint32_t(a3));
    case Getresuid:
    case Getresgid: return sys::getresid(n == Getresgid, ptr<uint32_t>(a1), ptr<uint32_t>(a2), ptr<uint32_t>(a3));
    case Setfsuid:
    case Setfsgid: return sys::setfsid(n == Setfsgid, uint32_t(a1));
    case Getgroups: return sys::getgroups(int(a1), ptr<uint32_t>(a2));
    case Setgroups: return sys::setgroups(size_t(a1), ptr<const uint32_t>(a2));
    case Capget: return sys::capget(ptr<void>(a1), ptr<void>(a2));
    case Capset: return sys::capset(ptr<void>(a1), ptr<const void>(a2));
    case GetMempolicy:
        return sys::get_mempolicy(
            ptr<int>(a1), ptr<unsigned long>(a2), (unsigned long)a3, uintptr_t(a4), (unsigned long)a5);
    case SetMempolicy: return sys::set_mempolicy(int(a1), ptr<const unsigned long>(a2), (unsigned long)a3);
    case Mbind:
        return sys::mbind(
            uintptr_t(a1), size_t(a2), int(a3), ptr<const unsigned long>(a4), (unsigned long)a5, unsigned(a6));
    case Membarrier: return sys::membarrier(int(a1), unsigned(a2), int(a3));
    case Mlock: return sys::mlock(uintptr_t(a1), size_t(a2), 0);
    case Mlock2: return sys::mlock(uintptr_t(a1), size_t(a2), unsigned(a3));
    case Munlock: return sys::munlock(uintptr_t(a1), size_t(a2));
    case Mlockall: return sys::mlockall(int(a1));
    case Munlockall: return 0;
    case Exit: sys::exit_thread(int(a1));
    case ExitGroup: sys::exit_group(int(a1));
    case Kill: return sys::kill(int(a1), int(a2));
    case Tkill: return sys::tgkill(-1, int(a1), int(a2));
    case Tgkill: return sys::tgkill(int(a1), int(a2), int(a3));
    case RtSigqueueinfo: return sys::queue_signal(int(a1), 0, int(a2), ptr<const void>(a3), sys::QueueTarget::Process);
    case PidfdOpen: return sys::pidfd_open(int(a1), unsigned(a2));
    case PidfdGetfd: return sys::pidfd_getfd(int(a1), int(a2), unsigned(a3));
    case PidfdSendSignal: return sys::pidfd_send_signal(int(a1), int(a2), ptr<const void>(a3), unsigned(a4));
    case RtTgsigqueueinfo:
        return sys::queue_signal(int(a1), int(a2), int(a3), ptr<const void>(a4), sys::QueueTarget::Thread);
    case Futex:
        return sys::futex(
            ptr<uint32_t>(a1), int(a2), uint32_t(a3), ptr<const abi::Timespec>(a4), ptr<uint32_t>(a5), uint32_t(a6));
    case Uname: return sys::uname(ptr<abi::Utsname>(a1));
    case Fcntl: return sys::fcntl(int(a1), int(a2), uintptr_t(a3));
    case Getcwd: return sys::getcwd(ptr<char>(a1), size_t(a2));
    case Umask: return sys::umask(unsigned(a1));
    case Gettimeofday: return sys::gettimeofday(ptr<abi::Timeval>(a1), ptr<void>(a2));
    case Getrusage: return sys::getrusage(int(a1), ptr<abi::Rusage>(a2));
    case Times: return sys::times(ptr<abi::Tms>(a1));
    case Getrlimit: return rlimit(int(a1), nullptr, ptr<abi::Rlimit>(a2));
    case Setrlimit: return rlimit(int(a1), ptr<const abi::Rlimit>(a2), nullptr);
    case Prlimit64: return sys::prlimit64(int(a1), int(a2), ptr<const abi::Rlimit>(a3), ptr<abi::Rlimit>(a4));
    case Sysinfo: return sys::sysinfo(ptr<abi::Sysinfo>(a1));
    case ArchPrctl: return sys::arch_prctl(int(a1), uintptr_t(a2));
    case Time: return sys::time(ptr<int64_t>(a1));
    case SchedSetparam: return sys::sched_setparam(int(a1), ptr<const int>(a2));
    case SchedGetparam: return sys::sched_getparam(int(a1), ptr<int>(a2));
    case SchedSetscheduler: return sys::sched_setscheduler(int(a1), int(a2), ptr<const int>(a3));
    case SchedGetscheduler: return sys::sched_getscheduler(int(a1));
    case SchedGetPriorityMax: return sys::sched_get_priority_max(int(a1));
    case SchedGetPriorityMin: return sys::sched_get_priority_min(int(a1));
    case SchedRrGetInterval: return sys::sched_rr_get_interval(int(a1), ptr<abi::Timespec>(a2));
    case SchedGetaffinity: return sys::sched_getaffinity(int(a1), size_t(a2), ptr<void>(a3));
    case SchedSetaffinity: return sys::sched_setaffinity(int(a1), size_t(a2), ptr<const void>(a3));
    case TimerCreate: return sys::timer_create(int(a1), ptr<const void>(a2), ptr<int>(a3));
    case TimerSettime:
        return sys::timer_settime(int(a1), int(a2), ptr<const abi::Itimerspec>(a3), ptr<abi::Itimerspec>(a4));
    case TimerGettime: return sys::timer_gettime(int(a1), ptr<abi::Itimerspec>(a2));
    case TimerGetoverrun: return sys::timer_getoverrun(int(a1));
    case TimerDelete: return sys::timer_delete(int(a1));
    case Getcpu: return sys::getcpu(ptr<unsigned>(a1), ptr<unsigned>(a2));
    case Prctl: return sys::prctl(int(a1), uint64_t(a2), uint64_t(a3), uint64_t(a4), uint64_t(a5));
    case RtSigtimedwait:
        return sys::rt_sigtimedwait(ptr<const uint64_t>(a1), ptr<void>(a2), ptr<const abi::Timespec>(a3), size_t(a4));
    case RtSigsuspend: return sys::rt_sigsuspend(ptr<const uint64_t>(a1), size_t(a2));
    case Pause: return sys::pause();
    case Getpgrp: return sys::getpgid(0);
    case Getpgid: return sys::getpgid(int(a1));
    case Getsid: return sys::getsid(int(a1));
    case Setpgid: return sys::setpgid(int(a1), int(a2));
    case Setsid: return sys::setsid();
    case Wait4: return sys::wait4(int(a1), ptr<int>(a2), int(a3), ptr<void>(a4));
    case Waitid: return sys::waitid(int(a1), int(a2), ptr<void>(a3), int(a4), ptr<void>(a5));
    case Readahead: return sys::readahead(int(a1), int64_t(a2), size_t(a3));
    case SyncFileRange: return sys::sync_file_range(int(a1), int64_t(a2), int64_t(a3), unsigned(a4));
    case Sigaltstack: return sys::sigaltstack(ptr<const void>(a1), ptr<void>(a2), program_rsp);
    case SetTidAddress: return sys::set_tid_address(ptr<int>(a1));
    case SetRobustList: return sys::set_robust_list(ptr<void>(a1), size_t(a2));
    case GetRobustList: return sys::get_robust_list(int(a1), ptr<void*>(a2), ptr<size_t>(a3));
    case ClockGettime: return sys::clock_gettime(int(a1), ptr<abi::Timespec>(a2));
    case ClockGetres: return sys::clock_getres(int(a1), ptr<abi::Timespec>(a2));
    case Adjtimex: return sys::adjtimex(ptr<abi::Timex>(a1));
    case ClockAdjtime: return sys::clock_adjtime(int(a1), ptr<abi::Timex>(a2));
    case ClockNanosleep:
        return sys::clock_nanosleep(int(a1), int(a2), ptr<const abi::Timespec>(a3), ptr<abi::Timespec>(a4));
    case Openat2: return sys::openat2(int(a1), ptr<const char>(a2), ptr<const void>(a3), size_t(a4));
    case Openat: return sys::openat(int(a1), ptr<const char>(a2), int(a3), unsigned(a4));
    case Newfstatat: return sys::newfstatat(int(a1), ptr<const char>(a2), ptr<fs::LinuxStat>(a3), int(a4));
    case Statx: return sys::statx(int(a1), ptr<const char>(a2), int(a3), unsigned(a4), ptr<abi::Statx>(a5));
    case Faccessat: return sys::faccessat(int(a1), ptr<const char>(a2), int(a3), 0);
    case Faccessat2: return sys::faccessat(int(a1), ptr<const char>(a2), int(a3), int(a4));
    case Dup3: return sys::dup3(int(a1), int(a2), int(a3), true);
    case Pipe: return sys::pipe2(ptr<int>(a1), 0);
    case EpollCreate:
        return int(a1) <= 0 ? SysResult(lib::Error(lib::Errno::INVAL, "epoll_create: size must be positive"))
                            : sys::epoll_create1(0);
    case EpollCreate1: return sys::epoll_create1(int(a1));
    case EpollCtl: return sys::epoll_ctl(int(a1), int(a2), int(a3), ptr<const fs::EpollEvent>(a4));
    case EpollWait: return sys::epoll_pwait(int(a1), ptr<fs::EpollEvent>(a2), int(a3), int(a4), nullptr, 0);
    case EpollPwait:
        return sys::epoll_pwait(
            int(a1), ptr<fs::EpollEvent>(a2), int(a3), int(a4), ptr<const uint64_t>(a5), size_t(a6));
    case EpollPwait2:
        return sys::epoll_pwait2(int(a1), ptr<fs::EpollEvent>(a2), int(a3), ptr<const abi::Timespec>(a4),
            ptr<const uint64_t>(a5), size_t(a6));
    case Eventfd: return sys::eventfd2(unsigned(a1), 0);
    case Eventfd2: return sys::eventfd2(unsigned(a1), int(a2));
    case Select:
        return sys::select(int(a1), ptr<uint64_t>(a2), ptr<uint64_t>(a3), ptr<uint64_t>(a4), ptr<abi::Timeval>(a5));
    case Pselect6:
        return sys::pselect6(int(a1), ptr<uint64_t>(a2), ptr<uint64_t>(a3), ptr<uint64_t>(a4),
            ptr<const abi::Timespec>(a5), ptr<const void>(a6));
    case Ppoll:
        return sys::ppoll(
            ptr<abi::Pollfd>(a1), size_t(a2), ptr<const abi::Timespec>(a3), ptr<const uint64_t>(a4), size_t(a5));
    case Pipe2: return sys::pipe2(ptr<int>(a1), int(a2));
    case Getrandom: return sys::getrandom(ptr<void>(a1), size_t(a2), unsigned(a3));
    }
    return file_call(n, a1, a2, a3, a4, a5, a6);
}

long linux_value(const SysResult& result) { return result.is_error() ? -long(result.error().code) : result.value(); }

// Answers the calls that read only constants, the calling thread's own record, or state
// with a lock of its own (the credentials), without the big kernel lock (Linux too answers
// them without taking any lock); false for every other call. Calls that write into the
// program's memory are not among them: the buffer is checked against the address space,
// which the big lock still guards.
bool answer_without_kernel_lock(long n, long* value)
{
    switch (n) {
    case Getpid: *value = sys::kProcessId; return true;
    case Getppid: *value = sys::kParentProcessId; return true;
    case Gettid: *value = linux_value(sys::gettid()); return true;
    case Getuid: *value = linux_value(sys::getid(sys::IdKind::RealUser)); return true;
    case Geteuid: *value = linux_value(sys::getid(sys::IdKind::EffectiveUser)); return true;
    case Getgid: *value = linux_value(sys::getid(sys::IdKind::RealGroup)); return true;
    case Getegid: *value = linux_value(sys::getid(sys::IdKind::EffectiveGroup)); return true;
    }
    return false;
}

[[gnu::noinline]] long run_in_kernel_section(
    long n, long a1, long a2, long a3, long a4, long a5, long a6, uint64_t program_rsp)
{
    sched::KernelSection section; // not preempted by another thread's kernel code
    return linux_value(call(n, a1, a2, a3, a4, a5, a6, program_rsp));
}

} // namespace

long sys::run_system_call(long n, long a1, long a2, long a3, long a4, long a5, long a6, uint64_t program_rsp)
{
    long value;
    if (answer_without_kernel_lock(n, &value))
        return value;
    return run_in_kernel_section(n, a1, a2, a3, a4, a5, a6, program_rsp);
}
