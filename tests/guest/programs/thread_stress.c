// A stress test of the scheduler and futexes (issue 12): for SECONDS (argument, default 2)
// pairs of threads ping-pong through condition variables, workers add under a mutex and
// yield, sleepers sleep and time out on futexes, and short-lived threads come and go. Any
// lost wake-up hangs it (the run's --timeout catches that); any lost update breaks a
// count. CI runs 2 s; `osprey run --timeout 900 thread_stress -- 600` is the long run.
#define _GNU_SOURCE
#define TEST_NAME "thread_stress"
#include "check.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

enum { kPairs = 2, kAdders = 3, kSleepers = 2 };

static atomic_int g_stop;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

// Ping-pong: two threads hand a token back and forth; each hand-off is one wake-up.
struct Pair {
    pthread_mutex_t lock;
    pthread_cond_t turn;
    int holder; // 0 or 1: whose turn
    long handoffs[2];
};

struct Player {
    struct Pair* pair;
    int side;
};

static void* play(void* argument)
{
    struct Player* player = argument;
    struct Pair* pair = player->pair;
    pthread_mutex_lock(&pair->lock);
    for (;;) {
        while (pair->holder != player->side && !atomic_load(&g_stop))
            pthread_cond_wait(&pair->turn, &pair->lock);
        if (atomic_load(&g_stop))
            break;
        ++pair->handoffs[player->side];
        pair->holder = !player->side;
        pthread_cond_broadcast(&pair->turn);
    }
    pthread_cond_broadcast(&pair->turn);
    pthread_mutex_unlock(&pair->lock);
    return NULL;
}

static pthread_mutex_t g_counter_lock = PTHREAD_MUTEX_INITIALIZER;
static long g_counter;
static atomic_long g_increments;

static void* add(void* unused)
{
    for (long i = 0; !atomic_load(&g_stop); ++i) {
        pthread_mutex_lock(&g_counter_lock);
        ++g_counter;
        pthread_mutex_unlock(&g_counter_lock);
        atomic_fetch_add(&g_increments, 1);
        if (i % 97 == 0)
            sched_yield();
    }
    return unused;
}

static atomic_long g_timeouts;
static pthread_mutex_t g_idle_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_never = PTHREAD_COND_INITIALIZER;

static void* sleep_and_time_out(void* unused)
{
    while (!atomic_load(&g_stop)) {
        struct timespec pause = { 0, 300 * 1000 };
        nanosleep(&pause, NULL);
        struct timespec deadline;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_nsec += 500 * 1000;
        if (deadline.tv_nsec >= 1000000000)
            deadline.tv_sec += 1, deadline.tv_nsec -= 1000000000;
        pthread_mutex_lock(&g_idle_lock);
        int result = pthread_cond_timedwait(&g_never, &g_idle_lock, &deadline);
        pthread_mutex_unlock(&g_idle_lock);
        if (result == ETIMEDOUT)
            atomic_fetch_add(&g_timeouts, 1);
    }
    return unused;
}

static void* short_lived(void* argument) { return (void*)((intptr_t)argument + 1); }

int main(int argc, char** argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 2.0;
    struct Pair pairs[kPairs];
    struct Player players[kPairs][2];
    pthread_t pair_threads[kPairs][2], adders[kAdders], sleepers[kSleepers];
    for (int p = 0; p < kPairs; ++p) {
        pairs[p] = (struct Pair) { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, { 0, 0 } };
        for (int side = 0; side < 2; ++side) {
            players[p][side] = (struct Player) { &pairs[p], side };
            CHECK(pthread_create(&pair_threads[p][side], NULL, play, &players[p][side]) == 0);
        }
    }
    for (int i = 0; i < kAdders; ++i)
        CHECK(pthread_create(&adders[i], NULL, add, NULL) == 0);
    for (int i = 0; i < kSleepers; ++i)
        CHECK(pthread_create(&sleepers[i], NULL, sleep_and_time_out, NULL) == 0);

    long created = 0;
    double start = now();
    while (now() - start < seconds) {
        pthread_t thread;
        void* result = NULL;
        CHECK(pthread_create(&thread, NULL, short_lived, (void*)(intptr_t)created) == 0);
        CHECK(pthread_join(thread, &result) == 0);
        CHECK((intptr_t)result == created + 1);
        ++created;
    }
    atomic_store(&g_stop, 1);
    for (int p = 0; p < kPairs; ++p) {
        pthread_mutex_lock(&pairs[p].lock);
        pthread_cond_broadcast(&pairs[p].turn);
        pthread_mutex_unlock(&pairs[p].lock);
        for (int side = 0; side < 2; ++side)
            CHECK(pthread_join(pair_threads[p][side], NULL) == 0);
        long difference = pairs[p].handoffs[0] - pairs[p].handoffs[1];
        CHECK(difference == 0 || difference == 1); // strictly alternating
        CHECK(pairs[p].handoffs[0] > 0);
    }
    for (int i = 0; i < kAdders; ++i)
        CHECK(pthread_join(adders[i], NULL) == 0);
    for (int i = 0; i < kSleepers; ++i)
        CHECK(pthread_join(sleepers[i], NULL) == 0);
    CHECK(g_counter == atomic_load(&g_increments));
    CHECK(atomic_load(&g_timeouts) > 0);
    CHECK(created > 0);
    printf("thread_stress: %.1f s, %ld threads created, %ld + %ld hand-offs, %ld increments, %ld timeouts\n", seconds,
        created, pairs[0].handoffs[0] + pairs[0].handoffs[1], pairs[1].handoffs[0] + pairs[1].handoffs[1], g_counter,
        atomic_load(&g_timeouts));
    if (failures)
        return 1;
    puts("thread_stress: ok");
    return 0;
}
