// Process file descriptors of the program itself: pidfd_open (close-on-exec, never readable
// while the process lives), pidfd_getfd (a duplicate of one of its descriptors),
// pidfd_send_signal (with and without a siginfo), and the errors of each. Checked against
// Linux.
#define _GNU_SOURCE
#define TEST_NAME "pidfd"
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/syscall.h>
#include <unistd.h>

static atomic_int handled, handled_value;

static void on_usr1(int number, siginfo_t* info, void* context)
{
    (void)context;
    handled = number;
    handled_value = info->si_code == SI_QUEUE ? info->si_value.sival_int : 0;
}

int main(void)
{
    int pidfd = pidfd_open(getpid(), 0);
    CHECK(pidfd >= 0);
    CHECK(fcntl(pidfd, F_GETFD) == FD_CLOEXEC);
    struct pollfd entry = { .fd = pidfd, .events = POLLIN };
    CHECK(poll(&entry, 1, 0) == 0); // readable only once the process has ended
    char link[64] = "";
    char path[32];
    snprintf(path, sizeof path, "/proc/self/fd/%d", pidfd);
    CHECK(readlink(path, link, sizeof link - 1) > 0 && strcmp(link, "anon_inode:[pidfd]") == 0);

    int ends[2];
    CHECK(pipe(ends) == 0);
    int copy = pidfd_getfd(pidfd, ends[1], 0);
    CHECK(copy >= 0 && copy != ends[1] && fcntl(copy, F_GETFD) == FD_CLOEXEC);
    CHECK(write(copy, "x", 1) == 1);
    char got = 0;
    CHECK(read(ends[0], &got, 1) == 1 && got == 'x');
    CHECK(pidfd_getfd(pidfd, 9999, 0) == -1 && errno == EBADF);
    CHECK(pidfd_getfd(ends[0], 1, 0) == -1 && errno == EBADF); // not a pidfd
    CHECK(pidfd_getfd(pidfd, 1, 1) == -1 && errno == EINVAL);

    struct sigaction action = { .sa_sigaction = on_usr1, .sa_flags = SA_SIGINFO };
    sigemptyset(&action.sa_mask);
    CHECK(sigaction(SIGUSR1, &action, NULL) == 0);
    CHECK(pidfd_send_signal(pidfd, SIGUSR1, NULL, 0) == 0);
    CHECK(handled == SIGUSR1 && handled_value == 0);
    siginfo_t info = { .si_signo = SIGUSR1, .si_code = SI_QUEUE, .si_pid = getpid(), .si_uid = getuid() };
    info.si_value.sival_int = 5;
    handled = 0;
    CHECK(pidfd_send_signal(pidfd, SIGUSR1, &info, 0) == 0);
    CHECK(handled == SIGUSR1 && handled_value == 5);
    CHECK(pidfd_send_signal(ends[0], SIGUSR1, NULL, 0) == -1 && errno == EBADF);

    CHECK(pidfd_open(getpid(), 1) == -1 && errno == EINVAL);
    CHECK(pidfd_open(0, 0) == -1 && errno == EINVAL);
    CHECK(pidfd_open(0x7ffffff0, 0) == -1 && errno == ESRCH); // above any pid_max
    int nonblocking = pidfd_open(getpid(), PIDFD_NONBLOCK);
    CHECK(nonblocking >= 0 && (fcntl(nonblocking, F_GETFL) & O_NONBLOCK));
    close(nonblocking);
    close(copy);
    close(pidfd);
    if (!failures)
        printf(TEST_NAME ": ok\n");
    return failures ? 1 : 0;
}
