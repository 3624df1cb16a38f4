// The process's session, process group and children as a program that runs alone sees
// them: it leads its session and its group (getsid, getpgid and getpgrp give its pid;
// setsid and setpgid say EPERM), another pid is ESRCH, and it has no children to wait for
// (ECHILD from waitpid, wait, waitid; EINVAL for unknown options). Also readahead and
// sync_file_range on a file (0) and on a pipe (EINVAL, ESPIPE). On Linux, run from a
// shell, the program first makes itself a session leader (setsid) where it is not one.
// Prints "sessions: ok".
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEST_NAME "sessions"
#include "check.h"

static void check_session(void)
{
    pid_t self = getpid();
    // On Linux, from a shell: become a session leader first. An interactive shell's job
    // leads its process group, which setsid refuses: nothing to check then. In Osprey the
    // program leads its session already.
    if (getsid(0) != self && setsid() != self) {
        puts("sessions: not a session leader here; session checks skipped");
        return;
    }
    CHECK(getsid(0) == self && getsid(self) == self);
    CHECK(getpgid(0) == self && getpgid(self) == self && getpgrp() == self);
    errno = 0;
    CHECK(setsid() == -1 && errno == EPERM);
    errno = 0;
    CHECK(setpgid(0, 0) == -1 && errno == EPERM);
    errno = 0;
    CHECK(setpgid(0, -1) == -1 && errno == EINVAL);
    errno = 0;
    CHECK(getpgid(999999) == -1 && errno == ESRCH);
    errno = 0;
    CHECK(getsid(999999) == -1 && errno == ESRCH);
}

static void check_no_children(void)
{
    int status;
    errno = 0;
    CHECK(waitpid(-1, &status, WNOHANG) == -1 && errno == ECHILD);
    errno = 0;
    CHECK(wait(&status) == -1 && errno == ECHILD);
    errno = 0;
    CHECK(waitpid(-1, &status, 0x100) == -1 && errno == EINVAL);
    siginfo_t info;
    memset(&info, 0xff, sizeof(info));
    errno = 0;
    CHECK(waitid(P_ALL, 0, &info, WEXITED | WNOHANG) == -1 && errno == ECHILD);
    CHECK(info.si_signo == 0 && info.si_code == 0 && info.si_pid == 0 && info.si_status == 0); // Linux zeroes them
    errno = 0;
    CHECK(waitid(P_ALL, 0, &info, WNOHANG) == -1 && errno == EINVAL);
}

static void check_file_hints(void)
{
    char path[] = "/tmp/sessions-XXXXXX";
    int file = mkstemp(path);
    CHECK(file >= 0);
    CHECK(write(file, "data", 4) == 4);
    CHECK(readahead(file, 0, 4096) == 0);
    CHECK(sync_file_range(file, 0, 0, SYNC_FILE_RANGE_WRITE) == 0);
    errno = 0;
    CHECK(sync_file_range(file, 0, 0, 0x100) == -1 && errno == EINVAL);
    errno = 0;
    CHECK(sync_file_range(file, -1, 0, 0) == -1 && errno == EINVAL);
    int ends[2];
    CHECK(pipe(ends) == 0);
    errno = 0;
    CHECK(readahead(ends[0], 0, 4096) == -1 && errno == EINVAL);
    errno = 0;
    CHECK(sync_file_range(ends[1], 0, 0, 0) == -1 && errno == ESPIPE);
    errno = 0;
    CHECK(readahead(-1, 0, 4096) == -1 && errno == EBADF);
    close(ends[0]);
    close(ends[1]);
    close(file);
    unlink(path);
}

int main(void)
{
    check_session();
    check_no_children();
    check_file_hints();
    if (failures)
        return 1;
    puts("sessions: ok");
    return 0;
}
