// osprey-boot-timer: boot time measured from outside, the way peers are measured (issue
// 16). boot_timer.c runs the cases; boot_report.c turns their samples into tables and a
// CDF plot. Plain C, linked statically: it also runs inside the nested-KVM harness, whose
// initramfs has no libc.
#pragma once

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    kNoLine = -1,         // BootSample.line_us when the marker never appeared
    kStatusTimedOut = -1, // BootSample.status when the run was killed at --timeout
};

// One run of one case: microseconds from just before fork() to the marker's line and to
// waitpid() returning, and how the process ended (exit status, 128 + signal, or
// kStatusTimedOut).
struct BootSample {
    long line_us;
    long exit_us;
    int status;
};

// One command to time. `marker` is a substring of the output line that counts as "the
// line"; empty means the first complete line. argv is NULL-terminated.
struct BootCase {
    const char* label;
    const char* marker;
    char** argv;
    struct BootSample* samples; // `count` of them, in round order
    int count;
};

// Prints the Markdown tables: per case the runs, and to line and to exit in ms (median,
// p90, p99, min, max); then each case against the first, pair by pair (the median of the
// per-round ratios with its p10-p90 spread, and the difference of the medians).
void boot_print_report(FILE* out, const struct BootCase* cases, int case_count);

// Writes the samples one per line, "sample<TAB>LABEL<TAB>ROUND<TAB>LINE_US<TAB>EXIT_US<TAB>STATUS".
void boot_write_samples(FILE* out, const struct BootCase* cases, int case_count);

// Reads lines written by boot_write_samples (other lines are skipped) into at most
// `capacity` cases, allocating their labels and samples. Returns the number of cases, or
// -1 with a message on stderr when a sample line is malformed or there are too many cases.
int boot_read_samples(FILE* in, const char* name, struct BootCase* cases, int capacity);

// Draws the cumulative distribution of each case's times to line (solid) and to exit
// (dashed) with gnuplot into `file` (.svg or .png). Returns 0, or -1 with a message.
int boot_plot_cdf(const char* file, const char* title, const struct BootCase* cases, int case_count);

#ifdef __cplusplus
}
#endif
