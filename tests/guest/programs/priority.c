// getpriority/setpriority and nice (kernel/syscall/thread.cpp): per-thread nice values,
// inherited by new threads, the process-wide forms, clamping, and Linux's errors. Prints
// "priority: ok".
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

#define TEST_NAME "priority"
#include "check.h"

static void* report_nice(void* out)
{
    *(int*)out = getpriority(PRIO_PROCESS, 0);
    *((int*)out + 1) = gettid();
    pthread_exit(NULL);
}

int main(void)
{
    errno = 0;
    CHECK(getpriority(PRIO_PROCESS, 0) == 0 && errno == 0);
    CHECK(setpriority(PRIO_PROCESS, 0, 5) == 0);
    CHECK(getpriority(PRIO_PROCESS, 0) == 5);
    CHECK(getpriority(PRIO_PROCESS, getpid()) == 5); // the pid names the main thread
    CHECK(nice(2) == 7);
    int seen[2] = { -100, 0 };
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, report_nice, seen) == 0 && pthread_join(thread, NULL) == 0);
    CHECK(seen[0] == 7); // inherited

    CHECK(setpriority(PRIO_PROCESS, 0, 100) == 0 && getpriority(PRIO_PROCESS, 0) == 19); // clamped
    CHECK(setpriority(PRIO_PROCESS, 0, -100) == 0 && getpriority(PRIO_PROCESS, 0) == -20);
    CHECK(setpriority(PRIO_PGRP, 0, 3) == 0 && getpriority(PRIO_PGRP, 0) == 3);
    CHECK(getpriority(PRIO_USER, 0) == 3);
    CHECK(getpriority(PRIO_PROCESS, 99999) == -1 && errno == ESRCH);
    CHECK(getpriority(PRIO_PGRP, 4242) == -1 && errno == ESRCH);
    CHECK(setpriority(7, 0, 0) == -1 && errno == EINVAL);

    // Without CAP_SYS_NICE a thread may raise its nice value but not lower it.
    CHECK(setuid(1000) == 0);
    CHECK(setpriority(PRIO_PROCESS, 0, 10) == 0);
    CHECK(setpriority(PRIO_PROCESS, 0, 4) == -1 && errno == EACCES);
    CHECK(getpriority(PRIO_PROCESS, 0) == 10);

    if (failures)
        return 1;
    puts("priority: ok");
    return 0;
}
