// Threads on several vCPUs (issue 12): `smp N` checks that the VM reports N processors,
// that N busy threads end up on N different CPUs (sched_getcpu), and that the other CPUs'
// TLBs follow munmap/mmap and mprotect made by one thread while another keeps reading the
// same address (a stale translation would show the old page's contents, or let a write
// through after the page became read-only), and that the CPU-time clocks count what ran.
#define _GNU_SOURCE
#define TEST_NAME "smp"
#include "check.h"

#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

// Every thread spins, noting the CPU it runs on, until all CPUs were seen (or a generous
// deadline passed, which fails the check below: the bound only keeps a broken kernel from
// hanging the test).
static atomic_ulong g_cpus_seen;
static unsigned long g_all_cpus;

static void* note_cpus(void* unused)
{
    double deadline = now() + 60;
    while ((atomic_load(&g_cpus_seen) & g_all_cpus) != g_all_cpus && now() < deadline) {
        int cpu = sched_getcpu();
        if (cpu >= 0 && cpu < 64)
            atomic_fetch_or(&g_cpus_seen, 1ul << cpu);
    }
    return NULL;
}

static void every_cpu_runs_threads(int cpus)
{
    g_all_cpus = cpus >= 64 ? ~0ul : (1ul << cpus) - 1;
    pthread_t threads[64];
    for (int i = 0; i < cpus; ++i)
        CHECK(pthread_create(&threads[i], NULL, note_cpus, NULL) == 0);
    for (int i = 0; i < cpus; ++i)
        pthread_join(threads[i], NULL);
    CHECK(atomic_load(&g_cpus_seen) == g_all_cpus);
}

// The reader reads the page at g_page in a loop and checks the value once the writer has
// announced a round. The writer replaces the page (mmap MAP_FIXED over it: the reader
// never finds the address unmapped), writes the round's value and only then announces
// the round: from then on no CPU may still read the old frame.
enum { kRounds = 300 };
static volatile int* g_page;
static atomic_int g_round;   // announced by the writer
static atomic_int g_checked; // the last round the reader verified
static atomic_int g_stale_reads;

static void* read_page(void* unused)
{
    for (int round = 1; round <= kRounds; ++round) {
        while (atomic_load(&g_round) < round)
            (void)*g_page; // keep the translation hot in this CPU's TLB
        if (*g_page != round)
            atomic_fetch_add(&g_stale_reads, 1);
        atomic_store(&g_checked, round);
    }
    return NULL;
}

static void remapped_pages_are_seen(void)
{
    g_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(g_page != MAP_FAILED);
    *g_page = 0;
    pthread_t reader;
    pthread_create(&reader, NULL, read_page, NULL);
    for (int round = 1; round <= kRounds; ++round) {
        void* again = mmap((void*)g_page, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
        CHECK(again == (void*)g_page);
        *g_page = round;
        atomic_store(&g_round, round);
        while (atomic_load(&g_checked) < round)
            ;
    }
    pthread_join(reader, NULL);
    CHECK(atomic_load(&g_stale_reads) == 0);
}

// A thread writes to a page in a loop; another makes it read-only. Once mprotect has
// returned, the writer's next write must fault (SIGSEGV, which it catches).
static volatile int* g_target;
static atomic_int g_protected;   // mprotect returned
static atomic_int g_write_after; // a write succeeded although mprotect had returned
static __thread sigjmp_buf t_recover;

static void on_segv(int signal) { siglongjmp(t_recover, 1); }

static void* write_page(void* unused)
{
    if (sigsetjmp(t_recover, 1))
        return NULL; // the fault: the expected end
    for (;;) {
        int was_protected = atomic_load(&g_protected);
        *g_target = 1;
        if (was_protected)
            atomic_store(&g_write_after, 1);
    }
}

static void protection_changes_are_seen(void)
{
    struct sigaction action = { .sa_handler = on_segv };
    sigaction(SIGSEGV, &action, NULL);
    for (int round = 0; round < 20; ++round) {
        g_target = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        atomic_store(&g_protected, 0);
        pthread_t writer;
        pthread_create(&writer, NULL, write_page, NULL);
        while (*g_target != 1)
            ;
        CHECK(mprotect((void*)g_target, 4096, PROT_READ) == 0);
        atomic_store(&g_protected, 1);
        pthread_join(writer, NULL);
        munmap((void*)g_target, 4096);
    }
    CHECK(atomic_load(&g_write_after) == 0);
    signal(SIGSEGV, SIG_DFL);
}

// CPU-time clocks count running, not waiting: a thread that sleeps gains (almost) no CPU
// time, and N threads that each run 100 ms of CPU time add at least N x 100 ms to the
// process clock, getrusage and times(), whatever the CPUs' speed or the machine's load.
static double cpu_clock(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void* burn_100ms(void* unused)
{
    double start = cpu_clock(CLOCK_THREAD_CPUTIME_ID);
    while (cpu_clock(CLOCK_THREAD_CPUTIME_ID) - start < 0.1)
        ;
    return NULL;
}

static void cpu_time_is_accounted(int cpus)
{
    double thread_before = cpu_clock(CLOCK_THREAD_CPUTIME_ID);
    struct timespec nap = { 0, 200 * 1000 * 1000 };
    nanosleep(&nap, NULL);
    CHECK(cpu_clock(CLOCK_THREAD_CPUTIME_ID) - thread_before < 0.1);
    double process_before = cpu_clock(CLOCK_PROCESS_CPUTIME_ID);
    struct rusage usage_before;
    getrusage(RUSAGE_SELF, &usage_before);
    struct tms ticks_before;
    times(&ticks_before);
    pthread_t threads[64];
    for (int i = 0; i < cpus; ++i)
        pthread_create(&threads[i], NULL, burn_100ms, NULL);
    for (int i = 0; i < cpus; ++i)
        pthread_join(threads[i], NULL);
    CHECK(cpu_clock(CLOCK_PROCESS_CPUTIME_ID) - process_before >= 0.1 * cpus);
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    double used = (double)(usage.ru_utime.tv_sec - usage_before.ru_utime.tv_sec)
        + (double)(usage.ru_utime.tv_usec - usage_before.ru_utime.tv_usec) / 1e6;
    CHECK(used >= 0.1 * cpus - 0.001); // microseconds are truncated
    struct tms ticks;
    times(&ticks);
    CHECK(ticks.tms_utime - ticks_before.tms_utime >= 10 * cpus - 1);
}

int main(int argc, char** argv)
{
    int expected = argc > 1 ? atoi(argv[1]) : 1;
    int cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
    CHECK(cpus == expected);
    if (cpus < 1 || cpus > 64)
        cpus = 1;
    every_cpu_runs_threads(cpus);
    remapped_pages_are_seen();
    protection_changes_are_seen();
    cpu_time_is_accounted(cpus);
    if (failures)
        return 1;
    printf("smp: ok (%d CPUs)\n", cpus);
    return 0;
}
