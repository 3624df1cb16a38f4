// Every system call that takes a pointer refuses the kernel's memory with EFAULT, as Linux
// does (issue 17): an absent kernel-half address for what the call reads or writes, and
// kernel text for what it writes (W^X keeps text read-only). Osprey's kernel shares the
// program's address space, so without the check these calls wrote into the kernel, or
// faulted inside it. Each call is made with syscall(2) so that the dispatcher sees exactly
// these arguments, and everything but the pointer is valid, so EFAULT is the only error
// left. Run natively, the same program checks the expectations against Linux.
// Prints "kernel_pointers: N calls refused: ok".
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures, checked;

#define EXPECT_EFAULT(call)                                                                                            \
    do {                                                                                                               \
        errno = 0;                                                                                                     \
        long result = (call);                                                                                          \
        ++checked;                                                                                                     \
        if (result != -1 || errno != EFAULT) {                                                                         \
            printf("kernel_pointers: FAILED: %s returned %ld, errno %d (line %d)\n", #call, result, errno, __LINE__);  \
            ++failures;                                                                                                \
        }                                                                                                              \
    } while (0)

// Nothing is mapped here in Osprey (a PML4 slot it never uses), and no user access to it
// succeeds on Linux.
static void* const kAbsent = (void*)0xfffffe0000000000ul;

int main(void)
{
    void* text = (void*)&write; // the code of write(2): read-only, executable
    int pipe_ends[2], sockets[2];
    if (pipe(pipe_ends) != 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, sockets) != 0) {
        printf("kernel_pointers: FAILED: set-up (errno %d)\n", errno);
        return 1;
    }
    int file = open("/tmp/kernel_pointers", O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (file < 0 || write(file, "0123456789", 10) != 10 || write(pipe_ends[1], "x", 1) != 1
        || write(sockets[1], "y", 1) != 1) {
        printf("kernel_pointers: FAILED: set-up (errno %d)\n", errno);
        return 1;
    }
    struct timespec zero = { 0, 0 };
    struct iovec into_text = { text, 1 };
    socklen_t length = sizeof(struct sockaddr_un);

    // Buffers the call writes into.
    EXPECT_EFAULT(syscall(SYS_read, pipe_ends[0], text, 1));
    EXPECT_EFAULT(syscall(SYS_pread64, file, text, 10, 0));
    lseek(file, 0, SEEK_SET);
    EXPECT_EFAULT(syscall(SYS_readv, file, &into_text, 1));
    EXPECT_EFAULT(syscall(SYS_recvfrom, sockets[0], text, 1, MSG_DONTWAIT, NULL, NULL));
    EXPECT_EFAULT(syscall(SYS_getrandom, text, 16, 0));
    EXPECT_EFAULT(syscall(SYS_uname, text));
    EXPECT_EFAULT(syscall(SYS_fstat, file, text));
    EXPECT_EFAULT(syscall(SYS_newfstatat, AT_FDCWD, "/", text, 0));
    EXPECT_EFAULT(syscall(SYS_statx, AT_FDCWD, "/", 0, 0x7ff, text));
    EXPECT_EFAULT(syscall(SYS_statfs, "/", text));
    EXPECT_EFAULT(syscall(SYS_fstatfs, file, text));
    EXPECT_EFAULT(syscall(SYS_getcwd, text, 256));
    EXPECT_EFAULT(syscall(SYS_readlink, "/proc/self/exe", text, 64));
    EXPECT_EFAULT(syscall(SYS_sysinfo, text));
    EXPECT_EFAULT(syscall(SYS_times, text));
    EXPECT_EFAULT(syscall(SYS_getrusage, 0, text));
    EXPECT_EFAULT(syscall(SYS_getrlimit, RLIMIT_NOFILE, text));
    EXPECT_EFAULT(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, text));
    EXPECT_EFAULT(syscall(SYS_sched_getaffinity, 0, 128, text));
    EXPECT_EFAULT(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, text));
    EXPECT_EFAULT(syscall(SYS_clock_getres, CLOCK_MONOTONIC, text));
    EXPECT_EFAULT(syscall(SYS_gettimeofday, text, NULL));
    EXPECT_EFAULT(syscall(SYS_time, text));
    EXPECT_EFAULT(syscall(SYS_getitimer, ITIMER_REAL, text));
    EXPECT_EFAULT(syscall(SYS_getcpu, text, NULL, NULL));
    EXPECT_EFAULT(syscall(SYS_getresuid, text, text, text));
    EXPECT_EFAULT(syscall(SYS_pipe2, text, 0));
    EXPECT_EFAULT(syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, text));
    EXPECT_EFAULT(syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, text, 8));
    EXPECT_EFAULT(syscall(SYS_rt_sigaction, SIGUSR1, NULL, text, 8));
    EXPECT_EFAULT(syscall(SYS_rt_sigpending, text, 8));
    EXPECT_EFAULT(syscall(SYS_sigaltstack, NULL, text));
    EXPECT_EFAULT(syscall(SYS_getsockname, sockets[0], text, &length));
    EXPECT_EFAULT(syscall(SYS_getsockopt, sockets[0], SOL_SOCKET, SO_TYPE, text, &length));
    EXPECT_EFAULT(syscall(SYS_ioctl, pipe_ends[0], FIONREAD, text));
    EXPECT_EFAULT(syscall(SYS_mincore, (uintptr_t)&checked & ~(uintptr_t)4095, 4096, text));
    EXPECT_EFAULT(syscall(SYS_preadv, file, &into_text, 1, 0));
    EXPECT_EFAULT(syscall(SYS_preadv2, file, &into_text, 1, 0, 0, 0));
    EXPECT_EFAULT(syscall(SYS_preadv, file, kAbsent, 1, 0));
    EXPECT_EFAULT(syscall(SYS_lstat, "/", text));
    EXPECT_EFAULT(syscall(SYS_readlinkat, AT_FDCWD, "/proc/self/exe", text, 64));
    EXPECT_EFAULT(syscall(SYS_getdents64, open("/", O_RDONLY | O_DIRECTORY), text, 4096));
    EXPECT_EFAULT(syscall(SYS_getresgid, text, text, text));
    EXPECT_EFAULT(syscall(SYS_getpeername, sockets[0], text, &length));
    EXPECT_EFAULT(syscall(SYS_getsockname, sockets[0], &zero, kAbsent));
    EXPECT_EFAULT(syscall(SYS_sched_getparam, 0, text));
    EXPECT_EFAULT(syscall(SYS_sched_rr_get_interval, 0, text));
    EXPECT_EFAULT(syscall(SYS_capget, kAbsent, NULL));
    EXPECT_EFAULT(syscall(SYS_adjtimex, text));
    EXPECT_EFAULT(syscall(SYS_prctl, PR_GET_NAME, text, 0, 0, 0));
    EXPECT_EFAULT(syscall(SYS_arch_prctl, 0x1003 /* ARCH_GET_FS */, text));
    EXPECT_EFAULT(syscall(SYS_fcntl, file, F_GETLK, kAbsent));
    int timer_id;
    struct sigevent no_signal = { .sigev_notify = SIGEV_NONE };
    EXPECT_EFAULT(syscall(SYS_timer_create, CLOCK_MONOTONIC, &no_signal, text));
    if (syscall(SYS_timer_create, CLOCK_MONOTONIC, &no_signal, &timer_id) == 0) {
        EXPECT_EFAULT(syscall(SYS_timer_gettime, timer_id, text));
        EXPECT_EFAULT(syscall(SYS_timer_settime, timer_id, 0, kAbsent, NULL));
    }
    EXPECT_EFAULT(syscall(SYS_waitid, P_ALL, 0, text, WEXITED | WNOHANG, NULL));
    EXPECT_EFAULT(syscall(SYS_waitid, P_ALL, 0, text, 0 /* EINVAL, but infop first */, NULL));
    {
        int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
        struct sockaddr_un where = { .sun_family = AF_UNIX, .sun_path = "/tmp/kernel_pointers_listener" };
        unlink(where.sun_path);
        if (bind(listener, (struct sockaddr*)&where, sizeof(where)) == 0 && listen(listener, 4) == 0) {
            for (int i = 0; i < 2; ++i) // one for each accept below
                connect(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr*)&where, sizeof(where));
            socklen_t accepted_length = sizeof(struct sockaddr_un);
            EXPECT_EFAULT(syscall(SYS_accept, listener, text, &accepted_length));
            EXPECT_EFAULT(syscall(SYS_accept4, listener, &where, kAbsent, 0));
        }
    }
    EXPECT_EFAULT(syscall(SYS_recvmmsg, sockets[0], kAbsent, 1, MSG_DONTWAIT, NULL));

    // Buffers and structures the call reads.
    EXPECT_EFAULT(syscall(SYS_write, file, kAbsent, 1));
    EXPECT_EFAULT(syscall(SYS_pwrite64, file, kAbsent, 1, 0));
    EXPECT_EFAULT(syscall(SYS_writev, file, kAbsent, 1));
    EXPECT_EFAULT(syscall(SYS_sendto, sockets[0], kAbsent, 1, 0, NULL, 0));
    EXPECT_EFAULT(syscall(SYS_sendmsg, sockets[0], kAbsent, 0));
    EXPECT_EFAULT(syscall(SYS_recvmsg, sockets[0], kAbsent, MSG_DONTWAIT));
    EXPECT_EFAULT(syscall(SYS_bind, socket(AF_UNIX, SOCK_STREAM, 0), kAbsent, sizeof(struct sockaddr_un)));
    EXPECT_EFAULT(syscall(SYS_connect, socket(AF_UNIX, SOCK_STREAM, 0), kAbsent, sizeof(struct sockaddr_un)));
    EXPECT_EFAULT(syscall(SYS_setsockopt, sockets[0], SOL_SOCKET, SO_RCVBUF, kAbsent, sizeof(int)));
    EXPECT_EFAULT(syscall(SYS_open, kAbsent, O_RDONLY));
    EXPECT_EFAULT(syscall(SYS_openat, AT_FDCWD, kAbsent, O_RDONLY));
    EXPECT_EFAULT(syscall(SYS_stat, kAbsent, &zero));
    EXPECT_EFAULT(syscall(SYS_access, kAbsent, F_OK));
    EXPECT_EFAULT(syscall(SYS_mkdir, kAbsent, 0700));
    EXPECT_EFAULT(syscall(SYS_unlink, kAbsent));
    EXPECT_EFAULT(syscall(SYS_rename, kAbsent, "/tmp/kernel_pointers_renamed"));
    EXPECT_EFAULT(syscall(SYS_symlink, kAbsent, "/tmp/kernel_pointers_link"));
    EXPECT_EFAULT(syscall(SYS_chdir, kAbsent));
    EXPECT_EFAULT(syscall(SYS_truncate, kAbsent, 0));
    EXPECT_EFAULT(syscall(SYS_chmod, kAbsent, 0600));
    EXPECT_EFAULT(syscall(SYS_utimensat, AT_FDCWD, "/tmp/kernel_pointers", kAbsent, 0));
    EXPECT_EFAULT(syscall(SYS_memfd_create, kAbsent, 0));
    EXPECT_EFAULT(syscall(SYS_getxattr, kAbsent, "user.x", NULL, 0));
    EXPECT_EFAULT(syscall(SYS_poll, kAbsent, 1, 0));
    EXPECT_EFAULT(syscall(SYS_ppoll, kAbsent, 1, &zero, NULL, 8));
    EXPECT_EFAULT(syscall(SYS_select, 1, kAbsent, NULL, NULL, NULL));
    EXPECT_EFAULT(syscall(SYS_nanosleep, kAbsent, NULL));
    EXPECT_EFAULT(syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, kAbsent, NULL));
    EXPECT_EFAULT(syscall(SYS_setitimer, ITIMER_REAL, kAbsent, NULL));
    EXPECT_EFAULT(syscall(SYS_setrlimit, RLIMIT_NOFILE, kAbsent));
    EXPECT_EFAULT(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, kAbsent, NULL));
    EXPECT_EFAULT(syscall(SYS_sched_setaffinity, 0, 8, kAbsent));
    EXPECT_EFAULT(syscall(SYS_rt_sigaction, SIGUSR1, kAbsent, NULL, 8));
    EXPECT_EFAULT(syscall(SYS_rt_sigprocmask, SIG_BLOCK, kAbsent, NULL, 8));
    EXPECT_EFAULT(syscall(SYS_rt_sigsuspend, kAbsent, 8));
    EXPECT_EFAULT(syscall(SYS_rt_sigtimedwait, kAbsent, NULL, &zero, 8));
    EXPECT_EFAULT(syscall(SYS_sigaltstack, kAbsent, NULL));
    EXPECT_EFAULT(syscall(SYS_futex, kAbsent, 0 /* FUTEX_WAIT */, 0, NULL, NULL, 0));
    EXPECT_EFAULT(syscall(SYS_setgroups, 1, kAbsent));
    EXPECT_EFAULT(syscall(SYS_signalfd4, -1, kAbsent, 8, 0));
    int epoll = epoll_create1(0), timer = timerfd_create(CLOCK_MONOTONIC, 0);
    EXPECT_EFAULT(syscall(SYS_epoll_ctl, epoll, EPOLL_CTL_ADD, pipe_ends[0], kAbsent));
    EXPECT_EFAULT(syscall(SYS_epoll_wait, epoll, kAbsent, 1, 0));
    EXPECT_EFAULT(syscall(SYS_timerfd_settime, timer, 0, kAbsent, NULL));
    EXPECT_EFAULT(syscall(SYS_timerfd_gettime, timer, text));
    EXPECT_EFAULT(syscall(SYS_sendfile, sockets[0], file, kAbsent, 1));
    EXPECT_EFAULT(syscall(SYS_pwritev, file, kAbsent, 1, 0));
    EXPECT_EFAULT(syscall(SYS_pwritev2, file, kAbsent, 1, 0, 0, 0));
    struct iovec from_absent = { kAbsent, 1 };
    EXPECT_EFAULT(syscall(SYS_pwritev, file, &from_absent, 1, 0));
    EXPECT_EFAULT(syscall(SYS_sendmmsg, sockets[0], kAbsent, 1, 0));
    EXPECT_EFAULT(syscall(SYS_creat, kAbsent, 0600));
    EXPECT_EFAULT(syscall(SYS_faccessat, AT_FDCWD, kAbsent, F_OK));
    EXPECT_EFAULT(syscall(SYS_faccessat2, AT_FDCWD, kAbsent, F_OK, 0));
    EXPECT_EFAULT(syscall(SYS_fchmodat, AT_FDCWD, kAbsent, 0600));
    EXPECT_EFAULT(syscall(SYS_chown, kAbsent, 0, 0));
    EXPECT_EFAULT(syscall(SYS_lchown, kAbsent, 0, 0));
    EXPECT_EFAULT(syscall(SYS_fchownat, AT_FDCWD, kAbsent, 0, 0, 0));
    EXPECT_EFAULT(syscall(SYS_link, "/tmp/kernel_pointers", kAbsent));
    EXPECT_EFAULT(syscall(SYS_linkat, AT_FDCWD, kAbsent, AT_FDCWD, "/tmp/kernel_pointers_hard", 0));
    EXPECT_EFAULT(syscall(SYS_mkdirat, AT_FDCWD, kAbsent, 0700));
    EXPECT_EFAULT(syscall(SYS_mknod, kAbsent, S_IFIFO | 0600, 0));
    EXPECT_EFAULT(syscall(SYS_mknodat, AT_FDCWD, kAbsent, S_IFIFO | 0600, 0));
    EXPECT_EFAULT(syscall(SYS_rmdir, kAbsent));
    EXPECT_EFAULT(syscall(SYS_unlinkat, AT_FDCWD, kAbsent, 0));
    EXPECT_EFAULT(syscall(SYS_renameat, AT_FDCWD, kAbsent, AT_FDCWD, "/tmp/kernel_pointers_renamed"));
    EXPECT_EFAULT(syscall(SYS_renameat2, AT_FDCWD, "/tmp/kernel_pointers", AT_FDCWD, kAbsent, 0));
    EXPECT_EFAULT(syscall(SYS_symlinkat, "/tmp/kernel_pointers", AT_FDCWD, kAbsent));
    EXPECT_EFAULT(syscall(SYS_openat2, AT_FDCWD, "/tmp/kernel_pointers", kAbsent, 24));
    EXPECT_EFAULT(syscall(SYS_pselect6, 1, kAbsent, NULL, NULL, &zero, NULL));
    EXPECT_EFAULT(syscall(SYS_epoll_pwait, epoll, kAbsent, 1, 0, NULL, 8));
    EXPECT_EFAULT(syscall(SYS_sched_setparam, 0, kAbsent));
    EXPECT_EFAULT(syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, kAbsent));
    EXPECT_EFAULT(syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, kAbsent));
    EXPECT_EFAULT(syscall(SYS_rt_tgsigqueueinfo, getpid(), gettid(), SIGUSR1, kAbsent));
    EXPECT_EFAULT(syscall(SYS_signalfd, -1, kAbsent, 8));
    EXPECT_EFAULT(syscall(SYS_timer_create, CLOCK_MONOTONIC, kAbsent, &timer_id));
    EXPECT_EFAULT(syscall(SYS_vmsplice, pipe_ends[1], kAbsent, 1, 0));
    EXPECT_EFAULT(syscall(SYS_splice, file, kAbsent, pipe_ends[1], NULL, 1, 0));
    EXPECT_EFAULT(syscall(SYS_copy_file_range, file, kAbsent, file, NULL, 1, 0));
    EXPECT_EFAULT(syscall(SYS_clock_adjtime, CLOCK_REALTIME, kAbsent));
    EXPECT_EFAULT(syscall(SYS_capset, kAbsent, NULL));
    EXPECT_EFAULT(syscall(SYS_epoll_pwait2, epoll, &zero, 1, kAbsent, NULL, 8));
    size_t robust_length;
    EXPECT_EFAULT(syscall(SYS_get_robust_list, 0, text, &robust_length));
    EXPECT_EFAULT(syscall(SYS_pipe, text));
    EXPECT_EFAULT(syscall(SYS_get_mempolicy, text, NULL, 0, NULL, 0));
    EXPECT_EFAULT(syscall(SYS_set_mempolicy, 1 /* MPOL_PREFERRED */, kAbsent, 64));
    int segment = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    if (segment >= 0) {
        EXPECT_EFAULT(syscall(SYS_shmctl, segment, IPC_STAT, text));
        shmctl(segment, IPC_RMID, NULL);
    }

    if (failures)
        return 1;
    printf("kernel_pointers: %d calls refused: ok\n", checked);
    return 0;
}
