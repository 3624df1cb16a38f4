// Thread operations timed inside the guest, the same source for both sides of the
// comparison (bench/threads/run): a dynamic PIE in an Osprey VM, a static binary in a Linux
// guest, both under the same QEMU configuration. Prints one line per row:
//   threads-bench ROW UNIT MEDIAN P10 P90 REPETITIONS
// Each repetition times a batch of operations and divides; the spread is over repetitions.
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../bench_report.h"

enum { kRepetitions = 31 };

static void report(const char* row, const char* unit, double* samples)
{
    bench_report("threads-bench", row, unit, samples, kRepetitions);
}

static void* nothing(void* argument) { return argument; }

// Row 1: pthread_create + pthread_join of a thread that returns at once.
static double create_join(void)
{
    enum { kBatch = 100 };
    uint64_t start = bench_now_ns();
    for (int i = 0; i < kBatch; ++i) {
        pthread_t thread;
        pthread_create(&thread, NULL, nothing, NULL);
        pthread_join(thread, NULL);
    }
    return (double)(bench_now_ns() - start) / kBatch;
}

// Row 2: futex ping-pong: two threads hand a word back and forth with FUTEX_WAIT/WAKE.
static atomic_int g_turn;
enum { kRoundTrips = 2000 };

static void futex_wait(atomic_int* word, int value)
{
    syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, value, NULL, NULL, 0);
}
static void futex_wake(atomic_int* word) { syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0); }

static void* pong(void* unused)
{
    for (int i = 0; i < kRoundTrips; ++i) {
        while (atomic_load(&g_turn) != 1)
            futex_wait(&g_turn, 0);
        atomic_store(&g_turn, 0);
        futex_wake(&g_turn);
    }
    return unused;
}

static double futex_ping_pong(void)
{
    atomic_store(&g_turn, 0);
    pthread_t thread;
    pthread_create(&thread, NULL, pong, NULL);
    uint64_t start = bench_now_ns();
    for (int i = 0; i < kRoundTrips; ++i) {
        atomic_store(&g_turn, 1);
        futex_wake(&g_turn);
        while (atomic_load(&g_turn) != 0)
            futex_wait(&g_turn, 1);
    }
    uint64_t elapsed = bench_now_ns() - start;
    pthread_join(thread, NULL);
    return (double)elapsed / kRoundTrips;
}

// Row 3: mutex hand-off: two threads take turns on one mutex, with a condition variable
// saying whose turn it is (every hand-off wakes the other thread).
static pthread_mutex_t g_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cond = PTHREAD_COND_INITIALIZER;
static int g_owner;
enum { kHandoffs = 2000 };

static void* take_turns(void* argument)
{
    int me = (int)(intptr_t)argument;
    for (int i = 0; i < kHandoffs; ++i) {
        pthread_mutex_lock(&g_mutex);
        while (g_owner != me)
            pthread_cond_wait(&g_cond, &g_mutex);
        g_owner = !me;
        pthread_cond_signal(&g_cond);
        pthread_mutex_unlock(&g_mutex);
    }
    return NULL;
}

static double mutex_handoff(void)
{
    g_owner = 0;
    pthread_t a, b;
    uint64_t start = bench_now_ns();
    pthread_create(&a, NULL, take_turns, (void*)0);
    pthread_create(&b, NULL, take_turns, (void*)1);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    return (double)(bench_now_ns() - start) / (2 * kHandoffs);
}

// Rows 4/5: one CPU-bound job of two equal parts, on one thread (both parts) and on two
// threads (a part each); the ratio is the parallel speed-up.
static void* spin(void* argument)
{
    uint64_t x = 1;
    for (intptr_t part = 0; part < (intptr_t)argument; ++part)
        for (int i = 0; i < 2000000; ++i)
            x = x * 6364136223846793005u + 1442695040888963407u;
    return (void*)(uintptr_t)(x & 1);
}

static double parallel_job(int threads)
{
    pthread_t workers[2];
    uint64_t start = bench_now_ns();
    for (int i = 0; i < threads; ++i)
        pthread_create(&workers[i], NULL, spin, (void*)(intptr_t)(2 / threads));
    for (int i = 0; i < threads; ++i)
        pthread_join(workers[i], NULL);
    return (double)(bench_now_ns() - start) / 1e6;
}

// Row 6: fair shares: three CPU-bound threads for 100 ms; the least progress over the
// most, in percent (100 is perfectly fair; on 2 CPUs, one thread left alone on a CPU
// gives about 50).
static atomic_int g_share_stop;

static void* count_share(void* argument)
{
    volatile uint64_t* count = argument;
    while (!atomic_load_explicit(&g_share_stop, memory_order_relaxed))
        ++*count;
    return NULL;
}

static double fair_share(void)
{
    enum { kThreads = 3 };
    uint64_t counts[kThreads] = { 0 };
    pthread_t workers[kThreads];
    atomic_store(&g_share_stop, 0);
    for (int i = 0; i < kThreads; ++i)
        pthread_create(&workers[i], NULL, count_share, &counts[i]);
    struct timespec period = { 0, 100 * 1000 * 1000 };
    nanosleep(&period, NULL);
    atomic_store(&g_share_stop, 1);
    uint64_t least = UINT64_MAX, most = 0;
    for (int i = 0; i < kThreads; ++i) {
        pthread_join(workers[i], NULL);
        least = counts[i] < least ? counts[i] : least;
        most = counts[i] > most ? counts[i] : most;
    }
    return most ? 100.0 * (double)least / (double)most : 0;
}

int main(void)
{
    double samples[kRepetitions];
    for (int r = 0; r < kRepetitions; ++r)
        samples[r] = create_join();
    report("create_join", "ns/pair", samples);
    for (int r = 0; r < kRepetitions; ++r)
        samples[r] = futex_ping_pong();
    report("futex_ping_pong", "ns/round-trip", samples);
    for (int r = 0; r < kRepetitions; ++r)
        samples[r] = mutex_handoff();
    report("mutex_handoff", "ns/hand-off", samples);
    for (int r = 0; r < kRepetitions; ++r)
        samples[r] = parallel_job(1);
    report("cpu_job_1_thread", "ms", samples);
    for (int r = 0; r < kRepetitions; ++r)
        samples[r] = parallel_job(2);
    report("cpu_job_2_threads", "ms", samples);
    for (int r = 0; r < kRepetitions; ++r)
        samples[r] = fair_share();
    report("fair_share_3_threads", "%least/most", samples);
    return 0;
}
