// bench/calls: the cost of libc calls that enter the kernel, in guest instructions.
// Run under QEMU -icount shift=0, where the guest's clock advances one nanosecond per
// instruction, so CLOCK_MONOTONIC differences count instructions. The same source runs
// in an Osprey VM (a glibc PIE, where the call is a plain call into the kernel) and in a
// Linux guest (linked statically, where it is a system call or glibc's vDSO).
// Output: one line per row, "calls-bench ROW insns MEDIAN P10 P90 REPETITIONS" (the
// format bench/summarize reads), each value per call, less the loop's own cost.
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

enum { kCalls = 20000, kRepetitions = 11 };

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static volatile long g_sink;

static void empty(void) { g_sink++; }
static void call_getppid(void) { g_sink += getppid(); }
// The same answer through the system-call path: musl's syscall() and the kernel's
// dispatcher in Osprey (glibc's getppid is bound to a plain function there), the syscall
// instruction on Linux.
static void call_syscall_getppid(void) { g_sink += syscall(SYS_getppid); }
static void call_write_ebadf(void) { g_sink += write(-1, "", 0); }
static void call_clock_gettime(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    g_sink += t.tv_nsec;
}
static void call_gettimeofday(void)
{
    struct timeval t;
    gettimeofday(&t, NULL);
    g_sink += t.tv_usec;
}
static void call_time(void) { g_sink += time(NULL); }
static void call_mmap_touch_munmap(void)
{
    char* page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED)
        abort();
    page[0] = 1;
    munmap(page, 4096);
}

static int compare(const void* a, const void* b)
{
    double x = *(const double*)a, y = *(const double*)b;
    return (x > y) - (x < y);
}

// Instructions per call of `call` (kCalls in a loop), each repetition's figure sorted.
static void measure(void (*call)(void), int calls, double* per_call)
{
    for (int r = 0; r < kRepetitions; r++) {
        uint64_t start = now_ns();
        for (int i = 0; i < calls; i++)
            call();
        per_call[r] = (double)(now_ns() - start) / calls;
    }
    qsort(per_call, kRepetitions, sizeof *per_call, compare);
}

int main(void)
{
    struct {
        const char* name;
        void (*call)(void);
        int calls;
    } rows[] = {
        { "getppid", call_getppid, kCalls },
        { "syscall_getppid", call_syscall_getppid, kCalls },
        { "write_ebadf", call_write_ebadf, kCalls },
        { "clock_gettime_monotonic", call_clock_gettime, kCalls },
        { "gettimeofday", call_gettimeofday, kCalls },
        { "time", call_time, kCalls },
        { "mmap_touch_munmap", call_mmap_touch_munmap, kCalls / 10 },
    };
    double loop[kRepetitions], per_call[kRepetitions];
    measure(empty, kCalls, loop);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        measure(rows[i].call, rows[i].calls, per_call);
        printf("calls-bench %s insns %.0f %.0f %.0f %d\n", rows[i].name,
            per_call[kRepetitions / 2] - loop[kRepetitions / 2], per_call[1] - loop[kRepetitions / 2],
            per_call[kRepetitions - 2] - loop[kRepetitions / 2], kRepetitions);
    }
    printf("calls-bench: loop of an empty call %.0f instructions (subtracted)\n", loop[kRepetitions / 2]);
    return 0;
}
