// The tables, the samples file and the CDF plot of osprey-boot-timer (boot_timer.h).
#include "boot_timer.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { kMaxLabel = 200 };

static int compare_doubles(const void* a, const void* b)
{
    double x = *(const double*)a, y = *(const double*)b;
    return (x > y) - (x < y);
}

// Nearest-rank percentile `p` (0 < p <= 100) of `sorted` (count > 0).
static double percentile(const double* sorted, int count, double p)
{
    int rank = (int)ceil(p / 100.0 * count);
    return sorted[rank < 1 ? 0 : rank - 1];
}

enum Measure { kToLine, kToExit };

// The case's times in ms for `measure`, sorted, into `values`; returns how many (runs
// without a line have no time to line).
static int sorted_times(const struct BootCase* boot_case, enum Measure measure, double* values)
{
    int count = 0;
    for (int i = 0; i < boot_case->count; i++) {
        const struct BootSample* sample = &boot_case->samples[i];
        if (measure == kToLine && sample->line_us == kNoLine)
            continue;
        values[count++] = (measure == kToLine ? sample->line_us : sample->exit_us) / 1000.0;
    }
    qsort(values, (size_t)count, sizeof *values, compare_doubles);
    return count;
}

static void print_spread(FILE* out, const struct BootCase* boot_case, enum Measure measure, double* scratch)
{
    int count = sorted_times(boot_case, measure, scratch);
    if (count == 0) {
        fprintf(out, " - | - | - | - | - |");
        return;
    }
    fprintf(out, " %.1f | %.1f | %.1f | %.1f | %.1f |", percentile(scratch, count, 50), percentile(scratch, count, 90),
        percentile(scratch, count, 99), scratch[0], scratch[count - 1]);
}

// "0" when every run ended with status 0; otherwise each distinct status with its count.
static void print_statuses(FILE* out, const struct BootCase* boot_case)
{
    int printed = 0;
    for (int i = 0; i < boot_case->count; i++) {
        int status = boot_case->samples[i].status, earlier = 0, times = 0;
        for (int j = 0; j < i; j++)
            earlier |= boot_case->samples[j].status == status;
        if (earlier)
            continue;
        for (int j = i; j < boot_case->count; j++)
            times += boot_case->samples[j].status == status;
        if (status == kStatusTimedOut)
            fprintf(out, "%stimed out x%d", printed++ ? ", " : " ", times);
        else
            fprintf(out, "%s%d x%d", printed++ ? ", " : " ", status, times);
    }
    fprintf(out, " |");
}

// Median and p10-p90 of the per-round ratios case/baseline for `measure`, and the
// difference of the two medians; rounds where either has no time are skipped.
static void print_pairs(
    FILE* out, const struct BootCase* baseline, const struct BootCase* other, enum Measure measure, double* scratch)
{
    int pairs = 0;
    int rounds = baseline->count < other->count ? baseline->count : other->count;
    for (int i = 0; i < rounds; i++) {
        const struct BootSample *a = &baseline->samples[i], *b = &other->samples[i];
        if (measure == kToLine && (a->line_us == kNoLine || b->line_us == kNoLine))
            continue;
        double base = measure == kToLine ? a->line_us : a->exit_us;
        double value = measure == kToLine ? b->line_us : b->exit_us;
        if (base > 0)
            scratch[pairs++] = value / base;
    }
    if (pairs == 0) {
        fprintf(out, " - | - |");
        return;
    }
    qsort(scratch, (size_t)pairs, sizeof *scratch, compare_doubles);
    double ratio = percentile(scratch, pairs, 50), low = percentile(scratch, pairs, 10),
           high = percentile(scratch, pairs, 90);
    int count = sorted_times(baseline, measure, scratch);
    double base_median = count ? percentile(scratch, count, 50) : 0;
    count = sorted_times(other, measure, scratch);
    double other_median = count ? percentile(scratch, count, 50) : 0;
    fprintf(out, " %.2fx (%.2f-%.2f) | %+.1f |", ratio, low, high, other_median - base_median);
}

void boot_print_report(FILE* out, const struct BootCase* cases, int case_count)
{
    int most = 1;
    for (int c = 0; c < case_count; c++)
        most = cases[c].count > most ? cases[c].count : most;
    double* scratch = malloc(sizeof(double) * (size_t)most);
    if (scratch == NULL)
        return;
    fprintf(out,
        "| case | runs | to line ms: median | p90 | p99 | min | max | to exit ms: median | p90 | p99 | min"
        " | max | exit statuses |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
    for (int c = 0; c < case_count; c++) {
        fprintf(out, "| %s | %d |", cases[c].label, cases[c].count);
        print_spread(out, &cases[c], kToLine, scratch);
        print_spread(out, &cases[c], kToExit, scratch);
        print_statuses(out, &cases[c]);
        fputc('\n', out);
    }
    if (case_count > 1) {
        fprintf(out,
            "\n| against %s, pair by pair | to line: median ratio (p10-p90) | median ms more | to exit: median"
            " ratio (p10-p90) | median ms more |\n|---|---:|---:|---:|---:|\n",
            cases[0].label);
        for (int c = 1; c < case_count; c++) {
            fprintf(out, "| %s |", cases[c].label);
            print_pairs(out, &cases[0], &cases[c], kToLine, scratch);
            print_pairs(out, &cases[0], &cases[c], kToExit, scratch);
            fputc('\n', out);
        }
    }
    free(scratch);
}

void boot_write_samples(FILE* out, const struct BootCase* cases, int case_count)
{
    for (int c = 0; c < case_count; c++)
        for (int i = 0; i < cases[c].count; i++)
            fprintf(out, "sample\t%s\t%d\t%ld\t%ld\t%d\n", cases[c].label, i + 1, cases[c].samples[i].line_us,
                cases[c].samples[i].exit_us, cases[c].samples[i].status);
}

// The case labelled `label`, added if new; NULL when there are already `capacity` cases.
static struct BootCase* case_named(struct BootCase* cases, int* case_count, int capacity, const char* label)
{
    for (int c = 0; c < *case_count; c++)
        if (strcmp(cases[c].label, label) == 0)
            return &cases[c];
    if (*case_count == capacity)
        return NULL;
    cases[*case_count] = (struct BootCase) { .label = strdup(label), .marker = "" };
    return &cases[(*case_count)++];
}

static int append_sample(struct BootCase* boot_case, struct BootSample sample)
{
    struct BootSample* grown = realloc(boot_case->samples, sizeof sample * (size_t)(boot_case->count + 1));
    if (grown == NULL)
        return -1;
    boot_case->samples = grown;
    boot_case->samples[boot_case->count++] = sample;
    return 0;
}

int boot_read_samples(FILE* in, const char* name, struct BootCase* cases, int capacity)
{
    char line[512], label[kMaxLabel + 1];
    int case_count = 0, number = 0;
    while (fgets(line, sizeof line, in) != NULL) {
        number++;
        if (strncmp(line, "sample\t", 7) != 0)
            continue;
        struct BootSample sample;
        int round, consumed = 0;
        if (sscanf(line + 7, "%200[^\t]\t%d\t%ld\t%ld\t%d%n", label, &round, &sample.line_us, &sample.exit_us,
                &sample.status, &consumed)
                != 5
            || sample.exit_us < 0 || sample.line_us < kNoLine) {
            fprintf(stderr, "osprey-boot-timer: %s:%d: malformed sample line\n", name, number);
            return -1;
        }
        struct BootCase* boot_case = case_named(cases, &case_count, capacity, label);
        if (boot_case == NULL) {
            fprintf(stderr, "osprey-boot-timer: %s:%d: more than %d cases\n", name, number, capacity);
            return -1;
        }
        if (append_sample(boot_case, sample) != 0)
            return fprintf(stderr, "osprey-boot-timer: out of memory\n"), -1;
    }
    return case_count;
}

// One gnuplot data block per case and measure: "ms fraction" rows, sorted (an empirical
// CDF drawn as steps).
static void write_cdf_block(
    FILE* gnuplot, const struct BootCase* boot_case, enum Measure measure, int index, double* scratch)
{
    int count = sorted_times(boot_case, measure, scratch);
    fprintf(gnuplot, "$cdf%d << EOD\n", index);
    if (count > 0) // the curve rises from 0 at the fastest run
        fprintf(gnuplot, "%.3f 0\n", scratch[0]);
    for (int i = 0; i < count; i++)
        fprintf(gnuplot, "%.3f %.4f\n", scratch[i], (i + 1) / (double)count);
    fprintf(gnuplot, "EOD\n");
}

int boot_plot_cdf(const char* file, const char* title, const struct BootCase* cases, int case_count)
{
    const char* dot = strrchr(file, '.');
    const char* terminal = dot && strcmp(dot, ".svg") == 0 ? "svg size 900,560 dynamic font 'sans,11'"
        : dot && strcmp(dot, ".png") == 0                  ? "pngcairo size 900,560 font 'sans,11'"
                                                           : NULL;
    if (terminal == NULL)
        return fprintf(stderr, "osprey-boot-timer: --plot %s: name the file .svg or .png\n", file), -1;
    FILE* gnuplot = popen("gnuplot", "w");
    if (gnuplot == NULL)
        return fprintf(stderr, "osprey-boot-timer: cannot run gnuplot: %s\n", strerror(errno)), -1;
    int most = 1;
    for (int c = 0; c < case_count; c++)
        most = cases[c].count > most ? cases[c].count : most;
    double* scratch = malloc(sizeof(double) * (size_t)most);
    for (int c = 0; scratch && c < case_count; c++) {
        write_cdf_block(gnuplot, &cases[c], kToLine, 2 * c, scratch);
        write_cdf_block(gnuplot, &cases[c], kToExit, 2 * c + 1, scratch);
    }
    free(scratch);
    fprintf(gnuplot,
        "set terminal %s\nset output '%s'\nset title \"%s\"\nset xlabel 'ms from fork()'\n"
        "set ylabel 'fraction of runs'\nset yrange [0:1]\nset key bottom right\nset grid\nplot ",
        terminal, file, title);
    for (int c = 0; c < case_count; c++)
        fprintf(gnuplot,
            "%s$cdf%d with steps lw 2 lc %d title \"%s: to line\", $cdf%d with steps lw 2 dt 2 lc %d "
            "title \"%s: to exit\"",
            c ? ", " : "", 2 * c, c + 1, cases[c].label, 2 * c + 1, c + 1, cases[c].label);
    fputc('\n', gnuplot);
    int status = pclose(gnuplot);
    if (status != 0)
        return fprintf(stderr, "osprey-boot-timer: gnuplot failed (status %d); is gnuplot-nox installed?\n", status),
               -1;
    fprintf(stderr, "osprey-boot-timer: wrote %s\n", file);
    return 0;
}
