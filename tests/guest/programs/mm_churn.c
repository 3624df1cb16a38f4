// Maps, touches and unmaps memory far beyond the VM's memory (the test runs it in a 64
// MiB VM), in two ways:
// - 10 GiB in 32 MiB rounds: every page of every round is written, so each round really
//   takes frames, and munmap must give them all back; each page must be zero-filled when
//   first touched.
// - 4,096 one-page mappings, each in a gigabyte of its own: every one needs a page table
//   and a page directory, and munmap must give those back too (free memory after is
//   compared with free memory before, through sysinfo); then the same with a file mapped
//   past its end and MAP_POPULATE, whose page-in fails after making the tables.
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <unistd.h>

static unsigned long free_bytes(void)
{
    struct sysinfo info;
    return sysinfo(&info) == 0 ? info.freeram * info.mem_unit : 0;
}

/// Returns 0 when the page tables of scattered mappings come back, else prints why. With
/// fd < 0 each mapping is anonymous and touched; else it maps the file `fd` beyond its end
/// with MAP_POPULATE, whose page-in makes the page tables and then finds no page to put in
/// them (SIGBUS on a touch; populating skips it).
static int scattered_mappings(long page, int fd, const char* what)
{
    const int count = 4096;
    char* const base = (char*)(16ul << 40); // far from the top-down mmap area
    int flags = MAP_PRIVATE | MAP_FIXED_NOREPLACE | (fd < 0 ? MAP_ANONYMOUS : MAP_POPULATE);
    off_t past_end = fd < 0 ? 0 : (lseek(fd, 0, SEEK_END) / page + 1) * page;
    unsigned long before = free_bytes();
    for (int i = 0; i < count; i++) {
        char* hint = base + ((unsigned long)i << 30);
        char* p = mmap(hint, (size_t)page, PROT_READ | PROT_WRITE, flags, fd, past_end);
        if (p != hint) {
            printf("mm_churn: mmap at %p failed in scattered round %d (%s)\n", hint, i, what);
            return 1;
        }
        if (fd < 0)
            p[0] = 1;
        munmap(p, (size_t)page);
    }
    unsigned long after = free_bytes();
    long lost_kib = ((long)before - (long)after) / 1024;
    // Without giving page tables back this is 32 MiB (8 KiB a round: a table and a
    // directory), and 32 KiB for the 8 PDPTs the rounds span: the bound is below that.
    if (before == 0 || lost_kib >= 32) {
        printf("mm_churn: %d scattered mappings (%s) kept %ld KiB\n", count, what, lost_kib);
        return 1;
    }
    printf("mm_churn: %d scattered mappings (%s) gave back their page tables (%ld KiB kept)\n", count, what, lost_kib);
    return 0;
}

int main(int argc, char** argv)
{
    (void)argc;
    const size_t chunk = 32ul << 20, total = 10ul << 30;
    long page = sysconf(_SC_PAGESIZE);
    size_t rounds = total / chunk;
    for (size_t round = 0; round < rounds; round++) {
        unsigned char* p = mmap(NULL, chunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            printf("mm_churn: mmap failed in round %zu\n", round);
            return 1;
        }
        for (size_t offset = 0; offset < chunk; offset += (size_t)page) {
            if (p[offset] != 0) {
                printf("mm_churn: page not zero-filled in round %zu\n", round);
                return 1;
            }
            p[offset] = (unsigned char)round;
        }
        if (munmap(p, chunk) != 0) {
            printf("mm_churn: munmap failed in round %zu\n", round);
            return 1;
        }
    }
    printf("mm_churn: mapped, touched and unmapped %zu GiB in %zu rounds\n", total >> 30, rounds);
    int fd = open(argv[0], O_RDONLY);
    if (fd < 0) {
        printf("mm_churn: cannot open %s\n", argv[0]);
        return 1;
    }
    return scattered_mappings(page, -1, "anonymous, touched")
        || scattered_mappings(page, fd, "file, populated past its end");
}
