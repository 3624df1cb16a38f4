// bench/mmap, in-VM part: the gVisor memory study's experiments as a plain Linux program.
// Run natively it measures Linux's mmap; inside an Osprey VM, Osprey's. Creates N
// file-backed private mappings of FILE (1,000 to 500,000, each a separate non-mergeable
// mapping), then times mmap + munmap pairs of one more; then the latency against the
// mapping size with 10,000 mappings. Prints Markdown tables.
//   usage: mmap_latency FILE [MAX_MAPPINGS]
// Linux caps a process at vm.max_map_count mappings (65,530 by default): the rows past the
// cap say so.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void** g_mappings;
static size_t g_count;

/// Grows the set of existing mappings to `count`; false if mmap refuses (the limit).
static int grow_to(int fd, size_t count, size_t size)
{
    for (; g_count < count; g_count++) {
        void* p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED)
            return 0;
        g_mappings[g_count] = p;
    }
    return 1;
}

static void drop_all(size_t size)
{
    while (g_count > 0)
        munmap(g_mappings[--g_count], size);
}

/// Nanoseconds per mmap + munmap pair of `size` bytes over one trial, -1 if mmap fails.
static double trial(int fd, size_t size)
{
    const int repetitions = 5000;
    double start = now();
    for (int i = 0; i < repetitions; i++) {
        void* p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED)
            return -1;
        munmap(p, size);
    }
    return (now() - start) * 1e9 / repetitions;
}

/// The median of three trials: one slow trial (another job on a shared machine) does not
/// move the result.
static double pair_latency(int fd, size_t size)
{
    double a = trial(fd, size), b = trial(fd, size), c = trial(fd, size);
    if (a > b) {
        double t = a;
        a = b;
        b = t;
    }
    if (b > c) {
        double t = b;
        b = c;
        c = t;
    }
    if (a > b) {
        double t = a;
        a = b;
        b = t;
    }
    return b;
}

int main(int argc, char** argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE [MAX_MAPPINGS]\n", argv[0]);
        return 2;
    }
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) {
        perror(argv[1]);
        return 2;
    }
    size_t max = argc > 2 ? strtoul(argv[2], NULL, 0) : 500000;
    const size_t counts[] = { 1000, 10000, 100000, 500000 };
    const size_t sizes[] = { 4096, 16384, 65536 };
    g_mappings = calloc(max, sizeof(void*));
    printf("### (1) mmap+munmap latency against existing file mappings (ns per pair)\n\n");
    printf("| mappings | size | latency (ns) |\n|---:|---:|---:|\n");
    for (size_t s = 0; s < 3; s++) {
        for (size_t c = 0; c < 4 && counts[c] <= max; c++) {
            if (!grow_to(fd, counts[c], sizes[s])) {
                printf("| %zu | %zu KiB | mmap refused after %zu mappings (the system's limit) |\n", counts[c],
                    sizes[s] >> 10, g_count);
                break;
            }
            printf("| %zu | %zu KiB | %.0f |\n", counts[c], sizes[s] >> 10, pair_latency(fd, sizes[s]));
            fflush(stdout);
        }
        drop_all(sizes[s]);
    }
    printf("\n### (2) mmap+munmap latency against mapping size, 10,000 existing 4 KiB mappings\n\n");
    printf("| size | latency (ns) |\n|---:|---:|\n");
    if (grow_to(fd, max < 10000 ? max : 10000, 4096))
        for (size_t size = 4096; size <= (256u << 20); size *= 16)
            printf("| %zu KiB | %.0f |\n", size >> 10, pair_latency(fd, size));
    drop_all(4096);
    return 0;
}
