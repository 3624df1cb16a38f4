// CPU affinity is enforced (issue 12): `affinity N` on a VM of N CPUs checks that a thread
// pinned with sched_setaffinity runs only there (sched_getcpu, watched while it spins
// among busy threads), that pinning moves the caller at once (also before the program
// made any thread) and another thread soon,
// that new threads inherit the mask, that many threads pinned to one CPU all progress
// there, and Linux's errors (EINVAL for a mask of no online CPU, ESRCH for no thread).
#define _GNU_SOURCE
#define TEST_NAME "affinity"
#include "check.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int g_cpus;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int pin(pid_t tid, int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(tid, sizeof(set), &set);
}

static int only_cpu_of(pid_t tid)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(tid, sizeof(set), &set) != 0 || CPU_COUNT(&set) != 1)
        return -1;
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
        if (CPU_ISSET(cpu, &set))
            return cpu;
    return -1;
}

// Spins for `seconds`, counting the moments it found itself off `cpu`.
static long spin_on(int cpu, double seconds)
{
    long strays = 0;
    for (double end = now() + seconds; now() < end;)
        strays += sched_getcpu() != cpu;
    return strays;
}

// Busy threads that keep every CPU contended while the checks run (unpinned).
static atomic_int g_stop_busy;
static void* busy(void* unused)
{
    (void)unused;
    while (!atomic_load(&g_stop_busy))
        ;
    return NULL;
}

struct Pinned {
    int cpu;       // where it pins itself (or is pinned: -1 until then)
    long strays;   // moments seen elsewhere after pinning
    long rounds;   // its progress
    int inherited; // the only CPU of the mask it was born with, or -1
    atomic_int tid;
};

static void* pinned_thread(void* argument)
{
    struct Pinned* p = argument;
    p->inherited = only_cpu_of(0);
    CHECK(pin(0, p->cpu) == 0);
    CHECK(sched_getcpu() == p->cpu); // the call returns on the CPU it asked for
    for (double end = now() + 0.3; now() < end; ++p->rounds)
        p->strays += sched_getcpu() != p->cpu;
    return NULL;
}

// Another thread is moved: it spins until it finds itself on `cpu`, then stays there.
static atomic_int g_target_cpu = -1;
static void* movable_thread(void* argument)
{
    struct Pinned* p = argument;
    atomic_store(&p->tid, (int)syscall(SYS_gettid));
    while (atomic_load(&g_target_cpu) < 0)
        ;
    double deadline = now() + 20; // a bound for a broken kernel, not a timing check
    while (sched_getcpu() != p->cpu && now() < deadline)
        ;
    p->strays = spin_on(p->cpu, 0.2);
    return NULL;
}

// Before the program made a thread (the other CPUs start with the first one otherwise).
static void pin_before_any_thread(void)
{
    CHECK(pin(0, g_cpus - 1) == 0);
    CHECK(sched_getcpu() == g_cpus - 1);
    cpu_set_t all;
    CPU_ZERO(&all);
    for (int cpu = 0; cpu < g_cpus; ++cpu)
        CPU_SET(cpu, &all);
    CHECK(sched_setaffinity(0, sizeof(all), &all) == 0);
}

static void caller_moves_at_once(void)
{
    for (int cpu = g_cpus - 1; cpu >= 0; --cpu) {
        CHECK(pin(0, cpu) == 0);
        CHECK(sched_getcpu() == cpu);
        CHECK(only_cpu_of(0) == cpu);
        CHECK(spin_on(cpu, 0.1) == 0);
    }
}

static void threads_stay_where_pinned(void)
{
    CHECK(pin(0, 0) == 0);
    struct Pinned pinned[8];
    pthread_t threads[8];
    int count = 2 * g_cpus < 8 ? 2 * g_cpus : 8;
    for (int i = 0; i < count; ++i) {
        pinned[i] = (struct Pinned) { .cpu = i % g_cpus };
        CHECK(pthread_create(&threads[i], NULL, pinned_thread, &pinned[i]) == 0);
    }
    for (int i = 0; i < count; ++i) {
        CHECK(pthread_join(threads[i], NULL) == 0);
        CHECK(pinned[i].inherited == 0); // born while the creator was pinned to CPU 0
        CHECK(pinned[i].strays == 0);
        CHECK(pinned[i].rounds > 0);
    }
}

static void another_thread_is_moved(void)
{
    struct Pinned p = { .cpu = g_cpus - 1 };
    atomic_store(&p.tid, 0);
    pthread_t thread;
    CHECK(pin(0, 0) == 0);
    CHECK(pthread_create(&thread, NULL, movable_thread, &p) == 0);
    while (!atomic_load(&p.tid))
        sched_yield();
    CHECK(pin(atomic_load(&p.tid), p.cpu) == 0);
    CHECK(only_cpu_of(atomic_load(&p.tid)) == p.cpu);
    atomic_store(&g_target_cpu, p.cpu);
    CHECK(pthread_join(thread, NULL) == 0);
    CHECK(p.strays == 0);
}

static void errors(void)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(g_cpus, &set); // one past the last CPU
    errno = 0;
    CHECK(sched_setaffinity(0, sizeof(set), &set) == -1 && errno == EINVAL);
    CPU_ZERO(&set);
    errno = 0;
    CHECK(sched_setaffinity(0, sizeof(set), &set) == -1 && errno == EINVAL);
    errno = 0;
    CHECK(sched_getaffinity(99999, sizeof(set), &set) == -1 && errno == ESRCH);
    CHECK(pin(99999, 0) == -1 && errno == ESRCH);
}

int main(int argc, char** argv)
{
    g_cpus = argc > 1 ? atoi(argv[1]) : 1;
    cpu_set_t all;
    CHECK(sched_getaffinity(0, sizeof(all), &all) == 0 && CPU_COUNT(&all) == g_cpus);
    pin_before_any_thread();
    pthread_t busy_threads[4];
    for (int i = 0; i < g_cpus && i < 4; ++i)
        CHECK(pthread_create(&busy_threads[i], NULL, busy, NULL) == 0);
    caller_moves_at_once();
    threads_stay_where_pinned();
    another_thread_is_moved();
    errors();
    atomic_store(&g_stop_busy, 1);
    for (int i = 0; i < g_cpus && i < 4; ++i)
        CHECK(pthread_join(busy_threads[i], NULL) == 0);
    CHECK(sched_setaffinity(0, sizeof(all), &all) == 0);
    CHECK(sched_getaffinity(0, sizeof(all), &all) == 0 && CPU_COUNT(&all) == g_cpus);
    if (failures)
        return 1;
    printf("affinity: ok (%d CPUs)\n", g_cpus);
    return 0;
}
