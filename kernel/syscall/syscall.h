// Linux system calls, implemented once as kernel functions. musl (through osprey_syscall,
// dispatch.cpp), libc-shim and, later, the raw `syscall` instruction entry all call these.
//
// Convention: every function returns SysResult, a lib::Result<long> holding the value the
// Linux system call returns on success (a count, a descriptor, an address) or the Errno it
// fails with. Nothing in here produces -errno: osprey_syscall() is the one place that turns
// an Errno into the negative value musl expects. Arguments keep the Linux types; pointers
// are addresses in the one address space (see check_user_range in syscall_util.h).
//
// Single process, single thread for now: pid 1, tid 1, no signal delivery (handlers are
// recorded and only synchronous self-signals run, see signal.cpp).
#pragma once

#include <kernel/fs/epoll.h>
#include <kernel/fs/linux_stat.h>
#include <abi/linux_abi.h>
#include <kernel/process/process.h>
#include <lib/result.h>

#include <cstddef>
#include <cstdint>

namespace sys {

using SysResult = lib::Result<long>;
namespace abi = linux_abi;

// io.cpp: data transfer on file descriptors (the console on 0-2, ROFS files).
SysResult read(int fd, void* buffer, size_t length);
SysResult write(int fd, const void* buffer, size_t length);
SysResult readv(int fd, const abi::Iovec* iov, int count);
SysResult writev(int fd, const abi::Iovec* iov, int count);
SysResult pread64(int fd, void* buffer, size_t length, int64_t offset);
SysResult pwrite64(int fd, const void* buffer, size_t length, int64_t offset);
SysResult lseek(int fd, int64_t offset, int whence);
/// preadv(2)/pwritev(2) and preadv2/pwritev2: the buffers in turn from `offset`. The v2
/// forms take -1 for the file's own position (as readv/writev) and RWF_* flags: HIPRI,
/// DSYNC and SYNC are accepted (the data is in RAM: nothing to wait for), APPEND writes at
/// the end, NOWAIT is EOPNOTSUPP (no file here offers per-call non-blocking I/O), any
/// other bit EOPNOTSUPP, as Linux.
SysResult preadv2(int fd, const abi::Iovec* iov, int count, int64_t offset, int flags, bool v2);
SysResult pwritev2(int fd, const abi::Iovec* iov, int count, int64_t offset, int flags, bool v2);
/// sendfile(2) and copy_file_range(2): a kernel-buffered copy, 64 KiB at a time, between any
/// two descriptors (copy_file_range: files of the tree; an output offset is EOPNOTSUPP).
SysResult sendfile(int out_fd, int in_fd, int64_t* offset, size_t count);
SysResult copy_file_range(int in_fd, int64_t* in_offset, int out_fd, int64_t* out_offset, size_t count, unsigned flags);

// splice.cpp: moving bytes to and from pipes (a kernel copy; nothing read is lost).
/// splice(2): one end a pipe; at most a pipe's capacity per call.
SysResult splice(int in_fd, int64_t* in_offset, int out_fd, int64_t* out_offset, size_t length, unsigned flags);
/// tee(2): bytes of pipe `in_fd` copied into pipe `out_fd`, left in `in_fd`.
SysResult tee(int in_fd, int out_fd, size_t length, unsigned flags);
/// vmsplice(2): the buffers written into a pipe's write end, or read from its read end.
SysResult vmsplice(int fd, const linux_abi::Iovec* iov, size_t count, unsigned flags);

// sockets.cpp: the socket calls (net/kernel/socket.h): AF_INET and AF_INET6 (TCP, UDP),
// AF_UNIX pairs from socketpair, AF_NETLINK's NETLINK_ROUTE.
SysResult socket(int domain, int type, int protocol);
/// Whether `request` is one of the interface ioctls (SIOCGIF*) interface_ioctl answers.
bool is_interface_ioctl(unsigned long request);
/// SIOCGIFCONF, SIOCGIFNAME, SIOCGIFINDEX, SIOCGIFFLAGS, SIOCGIFADDR, SIOCGIFNETMASK,
/// SIOCGIFBRDADDR, SIOCGIFMTU, SIOCGIFHWADDR on a socket: the interfaces of net/kernel/interfaces.h.
SysResult interface_ioctl(unsigned long request, uintptr_t argument);
SysResult socketpair(int domain, int type, int protocol, int* fds);
SysResult bind(int fd, const void* address, uint32_t length);
SysResult listen(int fd, int backlog);
SysResult accept4(int fd, void* address, uint32_t* length, int flags);
SysResult connect(int fd, const void* address, uint32_t length);
SysResult sendto(int fd, const void* buffer, size_t length, int flags, const void* address, uint32_t address_length);
SysResult recvfrom(int fd, void* buffer, size_t length, int flags, void* address, uint32_t* address_length);
SysResult sendmsg(int fd, const abi::MessageHeader* message, int flags);
SysResult recvmsg(int fd, abi::MessageHeader* message, int flags);
SysResult sendmmsg(int fd, abi::MultiMessageHeader* messages, unsigned count, int flags);
SysResult recvmmsg(int fd, abi::MultiMessageHeader* messages, unsigned count, int flags, const abi::Timespec* timeout);
SysResult shutdown(int fd, int how);
SysResult getsockname(int fd, void* address, uint32_t* length);
SysResult getpeername(int fd, void* address, uint32_t* length);
SysResult setsockopt(int fd, int level, int name, const void* value, uint32_t length);
SysResult getsockopt(int fd, int level, int name, void* value, uint32_t* length);

// descriptors.cpp: opening, closing, describing and controlling descriptors.
SysResult openat(int dirfd, const char* path, int flags, unsigned mode);
/// openat2(2): openat with its struct open_how (`size` bytes) and RESOLVE_* restrictions
/// (RESOLVE_CACHED always holds: the tree is in memory). EINVAL, E2BIG as Linux.
SysResult openat2(int dirfd, const char* path, const void* how, size_t size);
SysResult close(int fd);
SysResult fstat(int fd, fs::LinuxStat* st);
SysResult newfstatat(int dirfd, const char* path, fs::LinuxStat* st, int flags);
// statx.cpp: statx(2) from the same information as newfstatat (no birth time).
SysResult statx(int dirfd, const char* path, int flags, unsigned mask, abi::Statx* out);
/// faccessat2(2) (access and faccessat are flags 0): permission bits are not checked (NOT
/// LINUX: as open does not check them), so only X_OK on a file without execute bits fails
/// (EACCES).
SysResult faccessat(int dirfd, const char* path, int mode, int flags);
SysResult ioctl(int fd, unsigned long request, uintptr_t argument);
SysResult fcntl(int fd, int command, uintptr_t argument);
SysResult dup3(int fd, int new_fd, int flags, bool exact);
/// pipe2(2) (pipe(2) is flags 0): O_CLOEXEC and O_NONBLOCK; O_DIRECT (packet mode) is
/// EINVAL. fs/pipe.h has the semantics.
SysResult pipe2(int* fds, int flags);
/// eventfd2(2) (eventfd(2) is flags 0): EFD_SEMAPHORE, EFD_NONBLOCK, EFD_CLOEXEC
/// (fs/event_file.h).
SysResult eventfd2(unsigned initial, int flags);
SysResult poll(abi::Pollfd* fds, size_t count, int timeout_ms);
/// ppoll(2): a timespec timeout (null: none) and, if given, the mask to wait under.
SysResult ppoll(abi::Pollfd* fds, size_t count, const abi::Timespec* timeout, const uint64_t* mask, size_t mask_size);
/// select(2) (the timeout is updated to what was left) and pselect6 (its sixth argument is
/// {mask pointer, mask size}); sets of up to 1024 descriptors.
/// epoll(7) (kernel/fs/epoll.h): epoll_create(size) is epoll_create1(0); epoll_wait is
/// epoll_pwait without a mask; epoll_pwait2 takes a timespec.
SysResult epoll_create1(int flags);
SysResult epoll_ctl(int epoll_fd, int op, int fd, const fs::EpollEvent* event);
SysResult epoll_pwait(
    int epoll_fd, fs::EpollEvent* events, int max, int timeout_ms, const uint64_t* mask, size_t mask_size);
SysResult epoll_pwait2(int epoll_fd, fs::EpollEvent* events, int max, const abi::Timespec* timeout,
    const uint64_t* mask, size_t mask_size);
SysResult select(int count, uint64_t* read, uint64_t* write, uint64_t* except, abi::Timeval* timeout);
SysResult pselect6(int count, uint64_t* read, uint64_t* write, uint64_t* except, const abi::Timespec* timeout,
    const void* mask_argument);

// memory.cpp: the program break and anonymous mappings (mm/address_space.h).
SysResult brk(uintptr_t new_break);
SysResult mmap(uintptr_t hint, size_t length, int prot, int flags, int fd, int64_t offset);
SysResult munmap(uintptr_t address, size_t length);
SysResult mprotect(uintptr_t address, size_t length, int prot);
SysResult mremap(uintptr_t address, size_t old_length, size_t new_length, int flags, uintptr_t new_address);
SysResult madvise(uintptr_t address, size_t length, int advice);
SysResult msync(uintptr_t address, size_t length, int flags);
SysResult mincore(uintptr_t address, size_t length, uint8_t* vector);
/// mlock(2) and mlock2(2): ENOMEM for an unmapped page; the range is populated unless
/// MLOCK_ONFAULT. Nothing is ever swapped, so no lock is kept.
SysResult mlock(uintptr_t address, size_t length, unsigned flags);
SysResult munlock(uintptr_t address, size_t length);
/// mlockall(2) (munlockall is always 0): the flags are checked.
SysResult mlockall(int flags);

// time.cpp: clocks and sleeping.
SysResult clock_gettime(int clock, abi::Timespec* ts);
// read_clock_without_entry: clock_read.h.
SysResult clock_getres(int clock, abi::Timespec* ts);
SysResult clock_adjtime(int clock, abi::Timex* request);
SysResult adjtimex(abi::Timex* request);
SysResult gettimeofday(abi::Timeval* tv, void* timezone);
/// getrusage(2): the CPU time (all of it as user time: no user/system split here) of the
/// program, the calling thread, or of children (none: zero). Other fields are zero.
SysResult getrusage(int who, abi::Rusage* usage);
/// times(2): the program's CPU time in clock ticks (100 per second) and the ticks since
/// boot as the return value.
SysResult times(abi::Tms* buffer);
SysResult time(int64_t* t);
SysResult nanosleep(const abi::Timespec* request, abi::Timespec* remaining);
SysResult clock_nanosleep(int clock, int flags, const abi::Timespec* request, abi::Timespec* remaining);
/// setitimer(2)/getitimer(2)/alarm(2): ITIMER_REAL (SIGALRM to the process). The CPU-time
/// timers (ITIMER_VIRTUAL, ITIMER_PROF) are refused with EINVAL: no CPU time is accounted.
SysResult setitimer(int which, const abi::Itimerval* value, abi::Itimerval* old);
SysResult getitimer(int which, abi::Itimerval* value);
SysResult alarm(unsigned seconds);

// posix_timers.cpp: timer_create(2) and its family.
SysResult timer_create(int clock, const void* event, int* id);
SysResult timer_settime(int id, int flags, const abi::Itimerspec* value, abi::Itimerspec* old);
SysResult timer_gettime(int id, abi::Itimerspec* value);
SysResult timer_getoverrun(int id);
SysResult timer_delete(int id);

// paths.cpp: the name space (mkdir, unlink, rename, link, symlink...), each in its *at
// form; the plain calls are the *at call with AT_FDCWD (dispatch.cpp).
SysResult mknodat(int dirfd, const char* path, unsigned mode, unsigned device);
SysResult mkdirat(int dirfd, const char* path, unsigned mode);
/// unlinkat(2): AT_REMOVEDIR makes it rmdir.
SysResult unlinkat(int dirfd, const char* path, int flags);
/// renameat2(2): RENAME_NOREPLACE, RENAME_EXCHANGE (vfs/tree.h has the rules).
SysResult renameat2(int from_dirfd, const char* from, int to_dirfd, const char* to, unsigned flags);
/// linkat(2): AT_SYMLINK_FOLLOW, AT_EMPTY_PATH.
SysResult linkat(int from_dirfd, const char* from, int to_dirfd, const char* to, int flags);
SysResult symlinkat(const char* target, int dirfd, const char* path);
SysResult readlinkat(int dirfd, const char* path, char* buffer, size_t size);
SysResult chdir(const char* path);
SysResult fchdir(int fd);
SysResult getcwd(char* buffer, size_t size);

// file_attributes.cpp: sizes, modes, owners, times, statfs, sync, getdents64, umask.
SysResult truncate(const char* path, int64_t length);
SysResult ftruncate(int fd, int64_t length);
/// fallocate(2): mode 0 and FALLOC_FL_KEEP_SIZE (grows the size; no pages reserved yet).
SysResult fallocate(int fd, int mode, int64_t offset, int64_t length);
SysResult fchmodat(int dirfd, const char* path, unsigned mode, int flags);
SysResult fchmod(int fd, unsigned mode);
/// Linux's owner rules (process::Credentials::may_change_owner): root gives a node to
/// anyone, its owner moves it among its own groups; EPERM otherwise.
SysResult fchownat(int dirfd, const char* path, uint32_t uid, uint32_t gid, int flags);
SysResult fchown(int fd, uint32_t uid, uint32_t gid);
/// utimensat(2) (a null path is futimens on `dirfd`): UTIME_NOW, UTIME_OMIT.
SysResult utimensat(int dirfd, const char* path, const abi::Timespec* times, int flags);
SysResult statfs(const char* path, abi::Statfs* out);
SysResult fstatfs(int fd, abi::Statfs* out);
/// fsync, fdatasync, syncfs: everything is in memory, so only the descriptor is checked.
SysResult fsync(int fd);
/// sync_file_range(2): fsync's answer for a regular file or a directory; EINVAL for
/// unknown flags or a negative range, ESPIPE for a pipe or a socket.
SysResult sync_file_range(int fd, int64_t offset, int64_t count, unsigned flags);
/// readahead(2): a hint, with nothing to read ahead of (the tree is in memory): 0 for a
/// regular file open for reading, EINVAL for another kind, EBADF for a bad descriptor or
/// one not open for reading.
SysResult readahead(int fd, int64_t offset, size_t count);
SysResult getdents64(int fd, void* buffer, size_t length);
SysResult umask(unsigned mask);
/// memfd_create(2): an unnamed file of the tree, read-write; MFD_CLOEXEC, MFD_ALLOW_SEALING
/// (F_ADD_SEALS itself is not supported: EINVAL).
SysResult memfd_create(const char* name, unsigned flags);

// shared_memory.cpp: System V shared memory.
SysResult shmget(int32_t key, size_t size, int flags);
SysResult shmat(int id, uintptr_t address, int flags);
SysResult shmdt(uintptr_t address);
SysResult shmctl(int id, int command, void* buffer);
/// The xattr family: `path` (followed if `follow`) or, when null, descriptor `fd`.
enum class XattrCall { Get, List, Set, Remove };
SysResult xattr_call(XattrCall call, int fd, const char* path, bool follow);

// timer_files.cpp: timerfd(2) (kernel/fs/timer_file.h). CLOCK_MONOTONIC, CLOCK_BOOTTIME
// and CLOCK_REALTIME; TFD_NONBLOCK, TFD_CLOEXEC, TFD_TIMER_ABSTIME (CANCEL_ON_SET accepted:
// the wall clock is never set).
SysResult timerfd_create(int clock, int flags);
SysResult timerfd_settime(int fd, int flags, const abi::Itimerspec* new_value, abi::Itimerspec* old_value);
SysResult timerfd_gettime(int fd, abi::Itimerspec* value);
/// signalfd4(2) (signalfd is flags 0): a new signalfd (fd -1) or a new set for one.
SysResult signalfd4(int fd, const uint64_t* mask, size_t mask_size, int flags);
/// rt_sigpending(2): the calling thread's pending signals (blocked ones included).
SysResult rt_sigpending(uint64_t* set, size_t mask_size);

// random.cpp
/// getrandom(2): from the kernel's random source (kernel/entropy/random_source.h).
SysResult getrandom(void* buffer, size_t length, unsigned flags);

// process.cpp: identity, limits, the machine, thread-area calls.
[[noreturn]] void exit_group(int status);
SysResult uname(abi::Utsname* name);
SysResult arch_prctl(int code, uintptr_t address);
SysResult prlimit64(int pid, int resource, const abi::Rlimit* new_limit, abi::Rlimit* old_limit);
/// The program's RLIMIT_NOFILE from the boot line (nofile=SOFT:HARD): the hard limit capped
/// at fs.nr_open (1,048,576), the soft one at the hard one.
void set_descriptor_limits(uint64_t soft, uint64_t hard);
SysResult sysinfo(abi::Sysinfo* info);
/// The process is the leader of its process group and of its session, both numbered
/// kProcessId, as a container's first process is. getpgid(2)/getsid(2) (0 or the pid:
/// kProcessId; another pid: ESRCH); setpgid(2) (EINVAL for a negative group, ESRCH for
/// another pid, else EPERM: a session leader cannot change its group); setsid(2) (EPERM:
/// it leads a group already).
SysResult getpgid(int pid);
SysResult getsid(int pid);
SysResult setpgid(int pid, int group);
SysResult setsid();
/// wait4(2) and waitid(2): the process has no children (no fork), so ECHILD once the
/// arguments are valid (EINVAL for unknown options or `which`, for waitid without one of
/// WEXITED, WSTOPPED, WCONTINUED). waitid zeroes `info`'s fields as Linux does, EFAULT when
/// it cannot.
SysResult wait4(int pid, int* status, int options, void* usage);
SysResult waitid(int which, int id, void* info, int options, void* usage);

// credentials.cpp: the process's IDs (credentials.h), starting as root.
enum class IdKind { RealUser, EffectiveUser, RealGroup, EffectiveGroup };
/// getuid(2), geteuid(2), getgid(2), getegid(2).
SysResult getid(IdKind kind);
using process::kParentProcessId;
using process::kProcessId;
/// getpriority(2)/setpriority(2): nice values per thread (sched::thread_nice), recorded and
/// reported; the scheduler does not weigh them.
SysResult getpriority(int which, int who);
SysResult setpriority(int which, int who, int priority);
SysResult setuid(uint32_t uid);
SysResult setgid(uint32_t gid);
SysResult setreuid(uint32_t real, uint32_t effective);
SysResult setregid(uint32_t real, uint32_t effective);
SysResult setresuid(uint32_t real, uint32_t effective, uint32_t saved);
SysResult setresgid(uint32_t real, uint32_t effective, uint32_t saved);
/// getresuid(2) (group false) and getresgid(2) (group true).
SysResult getresid(bool group, uint32_t* real, uint32_t* effective, uint32_t* saved);
/// setfsuid(2) and setfsgid(2): the old value.
SysResult setfsid(bool group, uint32_t id);
SysResult getgroups(int size, uint32_t* groups);
SysResult setgroups(size_t size, const uint32_t* groups);
/// capget(2): every capability while the effective user is root, none after.
SysResult capget(void* header, void* data);
/// capset(2): checked against the permitted set, accepted without narrowing it.
SysResult capset(void* header, const void* data);

// memory_ordering.cpp: NUMA policy on the VM's one node, membarrier.
SysResult get_mempolicy(int* mode, unsigned long* mask, unsigned long max_node, uintptr_t address, unsigned long flags);
SysResult set_mempolicy(int mode, const unsigned long* mask, unsigned long max_node);
SysResult mbind(
    uintptr_t address, size_t length, int mode, const unsigned long* mask, unsigned long max_node, unsigned flags);
SysResult membarrier(int command, unsigned flags, int cpu);

// thread.cpp
SysResult futex(uint32_t* word, int op, uint32_t value, const abi::Timespec* timeout, uint32_t* word2, uint32_t value3);
SysResult gettid();
SysResult sched_yield();
// scheduling.cpp: policies and priorities (pid 0: the caller; a pid is a thread id, the
// process's is its first thread's). Kept and reported with Linux's checks, not enforced.
SysResult sched_get_priority_max(int policy);
SysResult sched_get_priority_min(int policy);
/// sched_setscheduler(2): `param` points at sched_param's one int, the priority.
SysResult sched_setscheduler(int pid, int policy, const int* param);
SysResult sched_setparam(int pid, const int* param);
SysResult sched_getscheduler(int pid);
SysResult sched_getparam(int pid, int* param);
/// sched_rr_get_interval(2): 0 for FIFO, Linux's 100 ms for RR, else the fair slice.
SysResult sched_rr_get_interval(int pid, linux_abi::Timespec* interval);
/// sched_getaffinity(2)/sched_setaffinity(2) for the process (pid 0 or 1) or one of its
/// threads: the mask of every CPU the VM has; a new mask must name one of them (EINVAL)
/// and is accepted without being enforced.
SysResult sched_getaffinity(int tid, size_t size, void* mask);
SysResult sched_setaffinity(int tid, size_t size, const void* mask);
/// getcpu(2): the CPU's index, NUMA node 0.
SysResult getcpu(unsigned* cpu, unsigned* node);
/// prctl(2): PR_SET_NAME/PR_GET_NAME (the calling thread's name), PR_SET/GET_DUMPABLE,
/// PR_SET/GET_PDEATHSIG, PR_SET/GET_NO_NEW_PRIVS, PR_SET/GET_KEEPCAPS, PR_SET/GET_TIMERSLACK,
/// PR_SET_CHILD_SUBREAPER; others EINVAL, as Linux answers an unknown option.
SysResult prctl(int option, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5);
/// exit(2): ends the calling thread (the program, when it is the last one).
[[noreturn]] void exit_thread(int status);
SysResult set_tid_address(int* tidptr);
SysResult set_robust_list(void* head, size_t length);
/// get_robust_list(2) of the calling thread (tid 0 or its own); musl's
/// pthread_mutexattr_setrobust calls it to learn whether robust futexes work.
SysResult get_robust_list(int tid, void** head, size_t* length);

// signal.cpp: dispositions for the process, masks and pending sets per thread.
SysResult rt_sigaction(int signal, const abi::KernelSigaction* action, abi::KernelSigaction* old, size_t mask_size);
SysResult rt_sigprocmask(int how, const uint64_t* set, uint64_t* old, size_t mask_size);
SysResult kill(int pid, int signal);
/// tgkill(2)/tkill(2) (tgid -1 for tkill): to the caller, delivered before it returns; to
/// another thread, delivered when that thread next leaves a system call (a blocked
/// interruptible wait ends with EINTR first).
SysResult tgkill(int tgid, int tid, int signal);
/// rt_sigqueueinfo(2) (QueueTarget::Process: `tid` unused, as kill) and
/// rt_tgsigqueueinfo(2) (to thread `tid`): `signal` with the sender's siginfo (si_code,
/// si_pid, si_uid, si_value: sigqueue, pthread_sigqueue), its si_signo taken from `signal`
/// as Linux does; signal 0 only checks the target exists. The only process is the caller,
/// so Linux's EPERM for a kernel si_code sent to another process never applies.
enum class QueueTarget { Process, Thread };
SysResult queue_signal(int tgid, int tid, int signal, const void* info, QueueTarget target);

// process_descriptors.cpp: pidfds of the only process, the program (pid 1).
/// pidfd_open(2): a close-on-exec pidfd for pid 1 (PIDFD_NONBLOCK allowed); ESRCH for any
/// other pid, EINVAL for pid <= 0 or other flags (PIDFD_THREAD is not supported).
SysResult pidfd_open(int pid, unsigned flags);
/// pidfd_getfd(2): a close-on-exec duplicate of the program's descriptor `target`; EBADF
/// when `pidfd` is not a pidfd or `target` is not open, EINVAL for flags.
SysResult pidfd_getfd(int pidfd, int target, unsigned flags);
/// pidfd_send_signal(2): kill(2), or rt_sigqueueinfo(2) when `info` is given.
SysResult pidfd_send_signal(int pidfd, int signal, const void* info, unsigned flags);
/// rt_sigtimedwait(2) (sigwait, sigwaitinfo, sigtimedwait): takes a pending signal of
/// `set`, waiting for one while those signals are unblocked for the wait; EAGAIN when the
/// timeout passes, EINTR when another signal's handler ran.
SysResult rt_sigtimedwait(const uint64_t* set, void* info, const abi::Timespec* timeout, size_t mask_size);
/// rt_sigsuspend(2): waits with `mask` as the signal mask until a handler runs; always EINTR.
SysResult rt_sigsuspend(const uint64_t* mask, size_t mask_size);
/// pause(2): waits until a handler runs; always EINTR.
SysResult pause();
/// Runs the handlers (or default actions) of the calling thread's pending, unblocked
/// signals. osprey_syscall calls it on the way out of every system call.
void deliver_pending_signals();
/// For a call that waited under a temporary mask and ends with EINTR (sigsuspend, ppoll,
/// pselect6): keeps the temporary mask until the signal's handler runs on the way out (a
/// call from osprey_syscall, or a frame pushed as the syscall instruction returns), whose
/// context then carries `saved` and whose return restores it (Linux's saved_sigmask);
/// without a handler, the way out restores it.
void keep_saved_mask(uint64_t saved);
/// For a handler about to run: the mask its context carries and its return restores, the
/// kept one (keep_saved_mask) or else `current`; the kept one is taken.
uint64_t take_saved_mask(uint64_t current);
/// The way out when no handler took the kept mask: it becomes the thread's mask again.
void restore_saved_mask();

/// Runs Linux system call `n` (x86-64 numbers) as a KernelSection and returns its value or
/// -errno, as the Linux ABI does; `program_rsp` is the caller's stack pointer. Unknown
/// numbers return -ENOSYS (logged once at syscall=debug). dispatch.cpp.
long run_system_call(long n, long a1, long a2, long a3, long a4, long a5, long a6, uint64_t program_rsp);

/// Makes the syscall instruction run system calls (system_call_instruction.cpp). Boot.
void install_system_call_instruction();

} // namespace sys
