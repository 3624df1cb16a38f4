// The clocks a program sees: CLOCK_REALTIME, gettimeofday and time() give today's date
// (a kernel without a wall-clock source would start at 1970), agree with each other,
// and CLOCK_MONOTONIC never goes back and covers every nanosleep. Prints the date it read
// (UTC) and "clock: ok", or what is wrong and exits 1.
//
// clock_gettime for the monotonic and wall clocks, gettimeofday and time() take the
// kernel's path without a system call (libc-shim/clock_calls.cpp, as Linux's vDSO); the
// first wall-clock reading, the CPU-time clocks and bad clocks take the system call. Both
// are checked, and the errors: EINVAL for an unknown clock, EFAULT for NULL or a pointer
// into the kernel's half (where the vDSO would have crashed the program).
#include <errno.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>

static int failures;

static void check(int ok, const char* what)
{
    if (!ok) {
        printf("clock: FAILED: %s\n", what);
        ++failures;
    }
}

static long long ns_of(const struct timespec* ts) { return ts->tv_sec * 1000000000LL + ts->tv_nsec; }

int main(void)
{
    struct timespec real, mono_before, mono_after, pause = { 0, 20 * 1000 * 1000 };
    check(clock_gettime(CLOCK_REALTIME, &real) == 0, "clock_gettime(CLOCK_REALTIME)");
    struct tm date;
    gmtime_r(&real.tv_sec, &date);
    printf("realtime: %04d-%02d-%02d %02d:%02d:%02d UTC\n", date.tm_year + 1900, date.tm_mon + 1, date.tm_mday,
        date.tm_hour, date.tm_min, date.tm_sec);
    check(date.tm_year + 1900 >= 2025, "CLOCK_REALTIME is before 2025: no wall-clock source");

    struct timeval tv;
    check(gettimeofday(&tv, NULL) == 0, "gettimeofday");
    time_t now = time(NULL);
    check(tv.tv_sec - real.tv_sec >= 0 && tv.tv_sec - real.tv_sec <= 5, "gettimeofday disagrees with CLOCK_REALTIME");
    check(now - real.tv_sec >= 0 && now - real.tv_sec <= 5, "time() disagrees with CLOCK_REALTIME");

    long long previous = 0;
    for (int i = 0; i < 100000; ++i) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        if (ns_of(&t) < previous) {
            check(0, "CLOCK_MONOTONIC went back");
            break;
        }
        previous = ns_of(&t);
    }
    for (int i = 0; i < 3; ++i) {
        clock_gettime(CLOCK_MONOTONIC, &mono_before);
        check(nanosleep(&pause, NULL) == 0, "nanosleep");
        clock_gettime(CLOCK_MONOTONIC, &mono_after);
        check(ns_of(&mono_after) - ns_of(&mono_before) >= 20 * 1000 * 1000,
            "CLOCK_MONOTONIC advanced less than the 20 ms slept");
    }

    // The wall clock is the monotonic one plus a fixed offset: the same across a sleep.
    struct timespec real_a, mono_a, real_b, mono_b;
    clock_gettime(CLOCK_REALTIME, &real_a);
    clock_gettime(CLOCK_MONOTONIC, &mono_a);
    nanosleep(&pause, NULL);
    clock_gettime(CLOCK_REALTIME, &real_b);
    clock_gettime(CLOCK_MONOTONIC, &mono_b);
    long long drift = (ns_of(&real_b) - ns_of(&mono_b)) - (ns_of(&real_a) - ns_of(&mono_a));
    check(drift > -1000000 && drift < 1000000, "CLOCK_REALTIME - CLOCK_MONOTONIC moved by a millisecond or more");

    struct timespec cpu;
    check(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu) == 0 && ns_of(&cpu) > 0, "CLOCK_PROCESS_CPUTIME_ID");
    errno = 0;
    check(clock_gettime(12345, &cpu) == -1 && errno == EINVAL, "an unknown clock is not EINVAL");
    void* kernel_half = (void*)0xffffffff80100000ull;
    void* volatile null = NULL; // hidden from the compiler's nonnull checks
    errno = 0;
    check(clock_gettime(CLOCK_MONOTONIC, null) == -1 && errno == EFAULT, "clock_gettime(NULL) is not EFAULT");
    errno = 0;
    check(clock_gettime(CLOCK_REALTIME, kernel_half) == -1 && errno == EFAULT,
        "clock_gettime(kernel address) is not EFAULT");
    errno = 0;
    check(gettimeofday(kernel_half, NULL) == -1 && errno == EFAULT, "gettimeofday(kernel address) is not EFAULT");
    errno = 0;
    check(time(kernel_half) == (time_t)-1 && errno == EFAULT, "time(kernel address) is not EFAULT");
    check(gettimeofday(null, NULL) == 0, "gettimeofday(NULL, NULL)");
    check(time(NULL) >= real.tv_sec, "time(NULL)");
    if (failures)
        return 1;
    printf("clock: ok\n");
    return 0;
}
