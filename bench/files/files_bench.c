// File system operations timed inside the guest, the same source for both sides of the
// comparison (bench/files/run): a dynamic PIE in an Osprey VM (its in-memory root, the
// tmpfs layer over the image) and a static binary in a Linux guest (its initramfs root,
// which is tmpfs or ramfs: the first line says which). Prints one line per row:
//   files-bench ROW UNIT MEDIAN P10 P90 REPETITIONS
// Each repetition times a batch and divides; the spread is over repetitions.
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "../bench_report.h"

enum { kRepetitions = 31, kFiles = 200, kListed = 1000 };
static const char* g_dir = "/tmp/files-bench";
static char g_buffer[64 * 1024];

static void report(const char* row, const char* unit, double* samples)
{
    bench_report("files-bench", row, unit, samples, kRepetitions);
}

static void fail(const char* what)
{
    perror(what);
    exit(1);
}

static void name_of(char* out, size_t size, int i) { snprintf(out, size, "%s/f%04d", g_dir, i); }

// Row: create a file, write 100 bytes, close; then unlink all of them (per file: both).
static double create_write_unlink(void)
{
    char path[128];
    uint64_t start = bench_now_ns();
    for (int i = 0; i < kFiles; ++i) {
        name_of(path, sizeof(path), i);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || write(fd, g_buffer, 100) != 100 || close(fd) != 0)
            fail("create");
    }
    for (int i = 0; i < kFiles; ++i) {
        name_of(path, sizeof(path), i);
        if (unlink(path) != 0)
            fail("unlink");
    }
    return (double)(bench_now_ns() - start) / kFiles;
}

static double stat_file(void)
{
    char path[128];
    struct stat st;
    name_of(path, sizeof(path), 0);
    uint64_t start = bench_now_ns();
    for (int i = 0; i < 1000; ++i)
        if (stat(path, &st) != 0)
            fail("stat");
    return (double)(bench_now_ns() - start) / 1000;
}

static double open_close(void)
{
    char path[128];
    name_of(path, sizeof(path), 0);
    uint64_t start = bench_now_ns();
    for (int i = 0; i < 1000; ++i) {
        int fd = open(path, O_RDONLY);
        if (fd < 0)
            fail("open");
        close(fd);
    }
    return (double)(bench_now_ns() - start) / 1000;
}

static double rename_back_and_forth(void)
{
    char from[128], to[128];
    name_of(from, sizeof(from), 0);
    snprintf(to, sizeof(to), "%s/renamed", g_dir);
    uint64_t start = bench_now_ns();
    for (int i = 0; i < 500; ++i)
        if (rename(from, to) != 0 || rename(to, from) != 0)
            fail("rename");
    return (double)(bench_now_ns() - start) / 1000;
}

static double mkdir_rmdir(void)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/d", g_dir);
    uint64_t start = bench_now_ns();
    for (int i = 0; i < 500; ++i)
        if (mkdir(path, 0755) != 0 || rmdir(path) != 0)
            fail("mkdir");
    return (double)(bench_now_ns() - start) / 500;
}

// A directory of kListed files, listed with readdir (per listing).
static double list_directory(void)
{
    uint64_t start = bench_now_ns();
    DIR* dir = opendir(g_dir);
    if (!dir)
        fail("opendir");
    int count = 0;
    while (readdir(dir))
        ++count;
    closedir(dir);
    if (count < kListed)
        fail("readdir count");
    return (double)(bench_now_ns() - start) / 1000; // microseconds
}

// Sequential write of 16 MiB in 64 KiB writes into a new file, then its removal; and the
// read of such a file (per MiB).
enum { kBigMiB = 16 };
static double write_big(void)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/big", g_dir);
    unlink(path);
    uint64_t start = bench_now_ns();
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    for (int i = 0; i < kBigMiB * 16; ++i)
        if (write(fd, g_buffer, sizeof(g_buffer)) != sizeof(g_buffer))
            fail("write");
    close(fd);
    return (double)(bench_now_ns() - start) / 1000 / kBigMiB;
}

static double read_big(void)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/big", g_dir);
    uint64_t start = bench_now_ns();
    int fd = open(path, O_RDONLY);
    ssize_t n;
    while ((n = read(fd, g_buffer, sizeof(g_buffer))) > 0) { }
    close(fd);
    return (double)(bench_now_ns() - start) / 1000 / kBigMiB;
}

int main(int argc, char** argv)
{
    if (argc > 1)
        g_dir = argv[1];
    memset(g_buffer, 'x', sizeof(g_buffer));
    mkdir("/tmp", 01777);
    if (mkdir(g_dir, 0755) != 0)
        fail("mkdir the benchmark directory");
    struct statfs fs;
    statfs(g_dir, &fs);
    printf("files-bench-fs %s type 0x%lx\n", g_dir, (unsigned long)fs.f_type);
    double samples[kRepetitions];
    for (int r = 0; r < kRepetitions; ++r)
        samples[r] = create_write_unlink();
    report("create_write_unlink", "ns/file", samples);
    char path[128];
    for (int i = 0; i < kListed; ++i) {
        name_of(path, sizeof(path), i);
        int fd = open(path, O_WRONLY | O_CREAT, 0644);
        if (fd < 0)
            fail("create");
        close(fd);
    }
    for (int r = 0; r < kRepetitions; ++r)
        samples[r] = stat_file();
    report("stat", "ns/call", samples);
    for (int r = 0; r < kRepetitions; ++r)
        samples[r] = open_close();
    report("open_close", "ns/pair", samples);
    for (int r = 0; r < kRepetitions; ++r)
        samples[r] = rename_back_and_forth();
    report("rename", "ns/rename", samples);
    for (int r = 0; r < kRepetitions; ++r)
        samples[r] = mkdir_rmdir();
    report("mkdir_rmdir", "ns/pair", samples);
    for (int r = 0; r < kRepetitions; ++r)
        samples[r] = list_directory();
    report("readdir_1000", "us/listing", samples);
    for (int r = 0; r < kRepetitions; ++r)
        samples[r] = write_big();
    report("write_16MiB", "us/MiB", samples);
    for (int r = 0; r < kRepetitions; ++r)
        samples[r] = read_big();
    report("read_16MiB", "us/MiB", samples);
    return 0;
}
