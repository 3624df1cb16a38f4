// What the in-guest benchmarks (bench/threads, bench/files) share: a monotonic clock and
// the line each row prints, "TAG ROW UNIT MEDIAN P10 P90 REPETITIONS", which
// bench/summarize reads. Header-only C: the same source builds for Osprey and for Linux.
#pragma once

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline int bench_compare(const void* a, const void* b)
{
    double x = *(const double*)a, y = *(const double*)b;
    return x < y ? -1 : x > y;
}

/// Sorts `samples` (`count` of them) and prints the row's median, 10th and 90th percentiles.
static inline void bench_report(const char* tag, const char* row, const char* unit, double* samples, int count)
{
    qsort(samples, (size_t)count, sizeof(double), bench_compare);
    printf("%s %s %s %.1f %.1f %.1f %d\n", tag, row, unit, samples[count / 2], samples[count / 10],
        samples[count * 9 / 10], count);
    fflush(stdout);
}
