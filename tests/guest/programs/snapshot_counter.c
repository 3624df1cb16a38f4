// A program with a snapshot point (`osprey run --snapshot-at ready`): it starts a worker
// thread, says it is ready by writing to /dev/osprey-ready, then draws random bytes, reads
// the clocks and counts. Under a plain run the write does nothing and it just goes on; a
// VM restored from the snapshot starts right after the write (tests/kvm/
// snapshot_restore.sh): it must not print "starting" again, must draw bytes of its own,
// must find its worker thread, timers and clocks working, and its wall clock set to the
// host's time at restore (the "before" and "after" lines, in ms since the epoch).
#define TEST_NAME "snapshot_counter"
#include "check.h"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static atomic_int stop;
static atomic_long spins;

static void* worker(void* unused)
{
    (void)unused;
    while (!atomic_load(&stop)) {
        atomic_fetch_add(&spins, 1);
        sched_yield();
    }
    return NULL;
}

static double seconds(clockid_t clock)
{
    struct timespec t;
    clock_gettime(clock, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

int main(void)
{
    printf("snapshot_counter: starting\n");
    fflush(stdout);
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, worker, NULL) == 0);
    double wall_before = seconds(CLOCK_REALTIME), mono_before = seconds(CLOCK_MONOTONIC);
    printf("snapshot_counter: wall clock before %.0f\n", wall_before * 1000);
    fflush(stdout);

    int ready = open("/dev/osprey-ready", O_WRONLY | O_CLOEXEC);
    CHECK(ready >= 0);
    CHECK(write(ready, "ready\n", 6) == 6);
    close(ready);
    // A restored VM resumes here.

    unsigned char bytes[16];
    CHECK(getrandom(bytes, sizeof bytes, 0) == sizeof bytes);
    printf("snapshot_counter: random ");
    for (size_t i = 0; i < sizeof bytes; ++i)
        printf("%02x", bytes[i]);
    printf("\n");
    double wall_after = seconds(CLOCK_REALTIME);
    printf("snapshot_counter: wall clock after %.0f\n", wall_after * 1000);
    CHECK(wall_after >= wall_before);
    CHECK(seconds(CLOCK_MONOTONIC) >= mono_before);
    for (int i = 1; i <= 3; ++i)
        printf("snapshot_counter: count %d\n", i);
    struct timespec nap = { 0, 20 * 1000 * 1000 };
    double mono_nap = seconds(CLOCK_MONOTONIC);
    CHECK(nanosleep(&nap, NULL) == 0);
    CHECK(seconds(CLOCK_MONOTONIC) - mono_nap >= 0.019);
    long seen = atomic_load(&spins);
    while (atomic_load(&spins) == seen) // the worker still runs
        sched_yield();
    atomic_store(&stop, 1);
    CHECK(pthread_join(thread, NULL) == 0);
    if (failures)
        return 1;
    printf("snapshot_counter: ok\n");
    return 0;
}
