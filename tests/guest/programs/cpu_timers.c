// Timers on CPU time (issue 12): setitimer's ITIMER_PROF and ITIMER_VIRTUAL, and
// timer_create on CLOCK_PROCESS_CPUTIME_ID and CLOCK_THREAD_CPUTIME_ID. Each must fire
// once the CPU time it counts has reached its value, never before, and not while the
// process sleeps. No check depends on how fast the machine is: the program spins until
// each signal comes (bounded by a generous CPU-time limit) and compares clocks. Linux
// reports and fires interval timers on sampled CPU time, a few ms off the CPU clock either
// way (under load, ITIMER_PROF fires at 35 ms of a 50 ms value there), so "not before"
// means not before half of the value here. What tells a CPU-time timer from a wall-clock one
// is that none fires while the process sleeps.
// Prints "cpu_timers: ok".
#define TEST_NAME "cpu_timers"
#include "check.h"

#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static volatile sig_atomic_t fired[65];
static volatile long fired_at_ns[65]; // the counted CPU clock when the signal came

static long cpu_ns(clockid_t clock)
{
    struct timespec t;
    clock_gettime(clock, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

static void on_signal(int signal, siginfo_t* info, void* context)
{
    (void)info, (void)context;
    if (!fired[signal])
        fired_at_ns[signal] = cpu_ns(signal == SIGRTMIN + 1 ? CLOCK_THREAD_CPUTIME_ID : CLOCK_PROCESS_CPUTIME_ID);
    fired[signal]++;
}

static void handle(int signal)
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_signal;
    action.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaction(signal, &action, NULL);
}

/// Spins until `signal` has come `count` times, or 20 s of CPU time went by.
static void spin_until(int signal, int count)
{
    long limit = cpu_ns(CLOCK_PROCESS_CPUTIME_ID) + 20000000000L;
    while (fired[signal] < count && cpu_ns(CLOCK_PROCESS_CPUTIME_ID) < limit) { }
}

int main(void)
{
    const long ms = 1000000L;
    // ITIMER_PROF, one-shot 50 ms of CPU time: not during a 100 ms sleep, then while spinning.
    handle(SIGPROF);
    long start = cpu_ns(CLOCK_PROCESS_CPUTIME_ID);
    struct itimerval prof = { { 0, 0 }, { 0, 50000 } };
    CHECK(setitimer(ITIMER_PROF, &prof, NULL) == 0);
    struct itimerval now;
    CHECK(getitimer(ITIMER_PROF, &now) == 0 && now.it_value.tv_sec == 0 && now.it_value.tv_usec > 0
        && now.it_value.tv_usec <= 60000); // Linux rounds up to its tick
    struct timespec nap = { 0, 100 * ms };
    nanosleep(&nap, NULL);
    CHECK(fired[SIGPROF] == 0 || cpu_ns(CLOCK_PROCESS_CPUTIME_ID) - start >= 25 * ms); // sleeping is no CPU time
    spin_until(SIGPROF, 1);
    CHECK(fired[SIGPROF] == 1);
    CHECK(fired_at_ns[SIGPROF] - start >= 25 * ms);
    CHECK(getitimer(ITIMER_PROF, &now) == 0 && now.it_value.tv_sec == 0 && now.it_value.tv_usec == 0);

    // ITIMER_VIRTUAL, periodic every 10 ms of CPU time: three expiries, each after its time.
    handle(SIGVTALRM);
    start = cpu_ns(CLOCK_PROCESS_CPUTIME_ID);
    struct itimerval virtual_timer = { { 0, 10000 }, { 0, 10000 } };
    CHECK(setitimer(ITIMER_VIRTUAL, &virtual_timer, NULL) == 0);
    spin_until(SIGVTALRM, 3);
    long three = cpu_ns(CLOCK_PROCESS_CPUTIME_ID);
    struct itimerval off = { { 0, 0 }, { 0, 0 } };
    CHECK(setitimer(ITIMER_VIRTUAL, &off, NULL) == 0);
    CHECK(fired[SIGVTALRM] >= 3);
    CHECK(fired_at_ns[SIGVTALRM] - start >= 5 * ms && three - start >= 15 * ms);

    // timer_create on the process's and the thread's CPU clocks.
    int process_signal = SIGRTMIN, thread_signal = SIGRTMIN + 1;
    handle(process_signal);
    handle(thread_signal);
    timer_t process_timer, thread_timer;
    struct sigevent event;
    memset(&event, 0, sizeof event);
    event.sigev_notify = SIGEV_SIGNAL;
    event.sigev_signo = process_signal;
    CHECK(timer_create(CLOCK_PROCESS_CPUTIME_ID, &event, &process_timer) == 0);
    event.sigev_signo = thread_signal;
    CHECK(timer_create(CLOCK_THREAD_CPUTIME_ID, &event, &thread_timer) == 0);
    start = cpu_ns(CLOCK_PROCESS_CPUTIME_ID);
    long thread_start = cpu_ns(CLOCK_THREAD_CPUTIME_ID);
    struct itimerspec in30 = { { 0, 0 }, { 0, 30 * ms } };
    CHECK(timer_settime(process_timer, 0, &in30, NULL) == 0);
    // Absolute: 40 ms of this thread's CPU time from now, on its own clock.
    struct itimerspec at40
        = { { 0, 0 }, { (thread_start + 40 * ms) / 1000000000L, (thread_start + 40 * ms) % 1000000000L } };
    CHECK(timer_settime(thread_timer, TIMER_ABSTIME, &at40, NULL) == 0);
    struct itimerspec left;
    CHECK(timer_gettime(thread_timer, &left) == 0 && left.it_value.tv_sec == 0 && left.it_value.tv_nsec > 0
        && left.it_value.tv_nsec <= 40 * ms);
    spin_until(process_signal, 1);
    spin_until(thread_signal, 1);
    CHECK(fired[process_signal] == 1 && fired_at_ns[process_signal] - start >= 15 * ms);
    CHECK(fired[thread_signal] == 1 && fired_at_ns[thread_signal] - thread_start >= 20 * ms);
    CHECK(timer_delete(process_timer) == 0 && timer_delete(thread_timer) == 0);
    if (failures)
        return 1;
    printf("cpu_timers: ok\n");
    return 0;
}
