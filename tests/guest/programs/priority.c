// getpriority/setpriority and nice (kernel/syscall/thread.cpp): per-thread nice values,
// inherited by new threads, the process-wide forms, clamping, and Linux's errors; the
// scheduling policies of sched(7) (kernel/syscall/scheduling.cpp). Prints
// "priority: ok".
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
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

static void* report_policy(void* out)
{
    struct sched_param param;
    ((int*)out)[0] = sched_getscheduler(0);
    ((int*)out)[1] = sched_getparam(0, &param) == 0 ? param.sched_priority : -1;
    return NULL;
}

static void* wait_on(void* gate)
{
    pthread_mutex_lock(gate);
    pthread_mutex_unlock(gate);
    return NULL;
}

// Scheduling policies (sched(7)): per thread, inherited by new threads unless
// SCHED_RESET_ON_FORK, with Linux's ranges and errors. Osprey keeps and reports them.
static void policies(void)
{
    CHECK(sched_get_priority_min(SCHED_FIFO) == 1 && sched_get_priority_max(SCHED_RR) == 99);
    CHECK(sched_get_priority_min(SCHED_OTHER) == 0 && sched_get_priority_max(SCHED_BATCH) == 0);
    CHECK(sched_get_priority_max(77) == -1 && errno == EINVAL);
    CHECK(sched_getscheduler(0) == SCHED_OTHER);
    struct sched_param param = { .sched_priority = 10 };
    CHECK(sched_setscheduler(0, SCHED_RR, &param) == 0 && sched_getscheduler(0) == SCHED_RR);
    struct timespec slice;
    CHECK(sched_rr_get_interval(0, &slice) == 0 && slice.tv_sec == 0 && slice.tv_nsec == 100000000);
    param.sched_priority = 0;
    CHECK(sched_getparam(getpid(), &param) == 0 && param.sched_priority == 10);
    param.sched_priority = 20;
    CHECK(sched_setparam(0, &param) == 0);
    int seen[2] = { -1, -1 };
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, report_policy, seen) == 0 && pthread_join(thread, NULL) == 0);
    CHECK(seen[0] == SCHED_RR && seen[1] == 20); // inherited

    param.sched_priority = 5;
    CHECK(sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &param) == 0);
    CHECK(sched_getscheduler(0) == (SCHED_FIFO | SCHED_RESET_ON_FORK));
    CHECK(sched_rr_get_interval(0, &slice) == 0 && slice.tv_sec == 0 && slice.tv_nsec == 0);
    CHECK(pthread_create(&thread, NULL, report_policy, seen) == 0 && pthread_join(thread, NULL) == 0);
    CHECK(seen[0] == SCHED_OTHER && seen[1] == 0); // reset for the new thread

    // Another thread's, by pthread_setschedparam (its tid).
    pthread_mutex_t gate = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&gate);
    CHECK(pthread_create(&thread, NULL, wait_on, &gate) == 0);
    param.sched_priority = 30;
    CHECK(pthread_setschedparam(thread, SCHED_FIFO, &param) == 0);
    int policy = -1;
    param.sched_priority = 0;
    CHECK(pthread_getschedparam(thread, &policy, &param) == 0 && policy == SCHED_FIFO && param.sched_priority == 30);
    pthread_mutex_unlock(&gate);
    pthread_join(thread, NULL);

    param.sched_priority = 3;
    CHECK(sched_setscheduler(0, SCHED_OTHER, &param) == -1 && errno == EINVAL); // 0 only
    param.sched_priority = 100;
    CHECK(sched_setscheduler(0, SCHED_FIFO, &param) == -1 && errno == EINVAL);
    CHECK(sched_setscheduler(0, 77, &param) == -1 && errno == EINVAL);
    CHECK(sched_getscheduler(-1) == -1 && errno == EINVAL);
    CHECK(sched_getscheduler(0x7ffffff0) == -1 && errno == ESRCH); // above any pid_max
    CHECK(sched_getparam(0, NULL) == -1 && errno == EINVAL);
    param.sched_priority = 0;
    CHECK(sched_setscheduler(0, SCHED_IDLE, &param) == 0 && sched_getscheduler(0) == SCHED_IDLE);
    CHECK(sched_setscheduler(0, SCHED_OTHER, &param) == 0);
}

// Priority ceilings of mutex attributes: SCHED_FIFO's range, read back, and a mutex made
// with one works (the protocol itself, PTHREAD_PRIO_PROTECT, is not supported by Osprey).
static void ceilings(void)
{
    pthread_mutexattr_t attributes;
    CHECK(pthread_mutexattr_init(&attributes) == 0);
    int ceiling = -1;
    CHECK(pthread_mutexattr_getprioceiling(&attributes, &ceiling) == 0 && ceiling == 1); // FIFO's lowest
    CHECK(pthread_mutexattr_setprioceiling(&attributes, 50) == 0);
    CHECK(pthread_mutexattr_getprioceiling(&attributes, &ceiling) == 0 && ceiling == 50);
    CHECK(pthread_mutexattr_setprioceiling(&attributes, 0) == EINVAL);
    CHECK(pthread_mutexattr_setprioceiling(&attributes, 100) == EINVAL);
    CHECK(pthread_mutexattr_settype(&attributes, PTHREAD_MUTEX_RECURSIVE) == 0);
    pthread_mutex_t mutex;
    CHECK(pthread_mutex_init(&mutex, &attributes) == 0);
    CHECK(pthread_mutex_lock(&mutex) == 0 && pthread_mutex_lock(&mutex) == 0); // still recursive
    CHECK(pthread_mutex_unlock(&mutex) == 0 && pthread_mutex_unlock(&mutex) == 0);
    CHECK(pthread_mutex_getprioceiling(&mutex, &ceiling) == EINVAL); // not a PRIO_PROTECT mutex
    CHECK(pthread_mutex_destroy(&mutex) == 0);
}

int main(void)
{
    policies();
    ceilings();
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
    struct sched_param param = { .sched_priority = 1 }; // and may not take a real-time policy
    CHECK(sched_setscheduler(0, SCHED_FIFO, &param) == -1 && errno == EPERM);

    if (failures)
        return 1;
    puts("priority: ok");
    return 0;
}
