// Linux memory-mapping semantics, checked from an unmodified glibc program: mmap
// (anonymous, file-backed private and shared, fixed, hints), munmap of sub-ranges,
// mprotect splits and merges (seen through /proc/self/maps), mremap, madvise, msync,
// mincore, brk, and the errors Linux returns. Prints "mm_semantics: ok" and exits 0.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static long page;
static int failures;

#define CHECK(cond, ...)                                                                                               \
    do {                                                                                                               \
        if (!(cond)) {                                                                                                 \
            printf("FAIL line %d: %s: ", __LINE__, #cond);                                                             \
            printf(__VA_ARGS__);                                                                                       \
            printf("\n");                                                                                              \
            failures++;                                                                                                \
        }                                                                                                              \
    } while (0)

#define CHECK_ERRNO(call, expected)                                                                                    \
    do {                                                                                                               \
        errno = 0;                                                                                                     \
        long r_ = (long)(call);                                                                                        \
        CHECK(r_ == -1 && errno == (expected), "%s gave %ld errno %d (%s), want %s", #call, r_, errno,                 \
            strerror(errno), #expected);                                                                               \
    } while (0)

static int resident(void* address)
{
    unsigned char v = 0;
    if (mincore(address, page, &v) != 0)
        return -1;
    return v & 1;
}

/// The /proc/self/maps line of the area containing `address`, copied into `line` (empty if
/// none).
static void maps_line(void* address, char* line, size_t size)
{
    line[0] = 0;
    FILE* maps = fopen("/proc/self/maps", "r");
    if (!maps)
        return;
    char buffer[512];
    unsigned long start, end, a = (unsigned long)address;
    while (fgets(buffer, sizeof buffer, maps))
        if (sscanf(buffer, "%lx-%lx", &start, &end) == 2 && start <= a && a < end) {
            snprintf(line, size, "%s", buffer);
            break;
        }
    fclose(maps);
}

static void anonymous_memory(void)
{
    char* p = mmap(NULL, 16 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
    CHECK(((unsigned long)p & (page - 1)) == 0, "unaligned %p", p);
    CHECK(resident(p + 3 * page) == 0, "untouched page already resident (not demand paged)");
    CHECK(p[3 * page] == 0 && p[16 * page - 1] == 0, "anonymous memory not zero");
    p[3 * page] = 42;
    CHECK(resident(p + 3 * page) == 1, "touched page not resident");
    // munmap of a middle part splits the mapping; the rest keeps its content.
    CHECK(munmap(p + 4 * page, 2 * page) == 0, "munmap middle: %s", strerror(errno));
    unsigned char v;
    CHECK_ERRNO(mincore(p + 4 * page, page, &v), ENOMEM);
    CHECK(p[3 * page] == 42, "content lost by the split");
    // MADV_DONTNEED: anonymous pages read zero again.
    CHECK(madvise(p, 4 * page, MADV_DONTNEED) == 0, "madvise: %s", strerror(errno));
    CHECK(p[3 * page] == 0, "MADV_DONTNEED kept the data");
    CHECK(madvise(p, page, MADV_WILLNEED) == 0, "MADV_WILLNEED refused"); // a hint (Osprey populates)
    CHECK(madvise(p, page, MADV_SEQUENTIAL) == 0, "MADV_SEQUENTIAL refused");
    CHECK_ERRNO(madvise(p, page, 12345), EINVAL);
    CHECK_ERRNO(madvise(p + 4 * page, page, MADV_DONTNEED), ENOMEM);
    CHECK(madvise(p, page, MADV_FREE) == 0, "MADV_FREE on private anonymous memory: %s", strerror(errno));
    CHECK(madvise(NULL, 0, MADV_DONTNEED) == 0, "an empty madvise range: %s", strerror(errno));
    // Shared anonymous memory is shmem on Linux: MADV_DONTNEED only unmaps, the content
    // stays; MADV_FREE is refused.
    char* shared = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(shared != MAP_FAILED, "shared anonymous mmap: %s", strerror(errno));
    shared[0] = 42;
    CHECK(madvise(shared, page, MADV_DONTNEED) == 0 && shared[0] == 42, "MADV_DONTNEED lost shared memory");
    CHECK_ERRNO(madvise(shared, page, MADV_FREE), EINVAL);
    munmap(shared, page);
    CHECK(msync(p, page, MS_SYNC) == 0, "msync: %s", strerror(errno));
    CHECK_ERRNO(msync(p + 4 * page, page, MS_SYNC), ENOMEM);
    CHECK_ERRNO(msync(p, page, MS_SYNC | MS_ASYNC), EINVAL);
    CHECK(munmap(p, 16 * page) == 0, "munmap across the hole: %s", strerror(errno));
}

static void fixed_and_hints(void)
{
    char* p = mmap(NULL, 8 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    p[page] = 1;
    CHECK_ERRNO(mmap(p + page, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0), EEXIST);
    char* q = mmap(p + page, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    CHECK(q == p + page && q[0] == 0, "MAP_FIXED did not replace (%p, %d)", q, q[0]);
    CHECK_ERRNO(mmap(p + 1, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), EINVAL);
    munmap(p, 8 * page);
    char* hinted = mmap(p, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(hinted == p, "a free hint was not used (%p, wanted %p)", hinted, p);
    munmap(hinted, page);
    CHECK_ERRNO(mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), EINVAL);
    CHECK_ERRNO(mmap(NULL, page, PROT_READ, MAP_ANONYMOUS, -1, 0), EINVAL);
    CHECK_ERRNO(mmap(NULL, page, PROT_READ, MAP_PRIVATE, 99, 0), EBADF);
    CHECK_ERRNO(munmap(p + 1, page), EINVAL);
    // Below vm.mmap_min_addr (64 KiB, Debian's default): nothing is mapped there, and
    // nothing may be.
    CHECK(munmap(NULL, page) == 0, "munmap of page 0: %s", strerror(errno));
    CHECK_ERRNO(mmap((void*)0x1000, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), EPERM);
    CHECK_ERRNO(mprotect(p, page, PROT_READ), ENOMEM);
}

static void protections(void)
{
    char line[512];
    char* p = mmap(NULL, 6 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    p[0] = 7;
    CHECK(mprotect(p + 2 * page, 2 * page, PROT_READ) == 0, "mprotect: %s", strerror(errno));
    maps_line(p + 2 * page, line, sizeof line);
    CHECK(strstr(line, " r--p ") != NULL, "split area not read-only in maps: [%s]", line);
    maps_line(p, line, sizeof line);
    CHECK(strstr(line, " rw-p ") != NULL, "first part wrong: [%s]", line);
    CHECK(mprotect(p + 2 * page, 2 * page, PROT_READ | PROT_WRITE) == 0, "mprotect back: %s", strerror(errno));
    maps_line(p, line, sizeof line);
    unsigned long start = 0, end = 0;
    sscanf(line, "%lx-%lx", &start, &end);
    CHECK(start <= (unsigned long)p && end >= (unsigned long)(p + 6 * page), "areas did not merge back: [%s]", line);
    CHECK(p[0] == 7, "content lost");
    CHECK_ERRNO(mprotect(p + 1, page, PROT_READ), EINVAL);
    munmap(p, 6 * page);
}

static void remapping(void)
{
    char* p = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (int i = 0; i < 4; i++)
        p[i * page] = (char)(i + 1);
    char* q = mremap(p, 4 * page, 2 * page, 0);
    CHECK(q == p && p[page] == 2, "shrink in place failed");
    char* blocker = mmap(p + 2 * page, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    CHECK(blocker == p + 2 * page, "could not place the blocker");
    CHECK_ERRNO(mremap(p, 2 * page, 8 * page, 0), ENOMEM);
    char* moved = mremap(p, 2 * page, 64 * page, MREMAP_MAYMOVE);
    CHECK(moved != MAP_FAILED && moved != p, "MREMAP_MAYMOVE did not move");
    CHECK(moved[0] == 1 && moved[page] == 2 && moved[63 * page] == 0, "content did not move with the mapping");
    char* target = mmap(NULL, 4 * page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char* fixed = mremap(moved, 64 * page, 4 * page, MREMAP_MAYMOVE | MREMAP_FIXED, target);
    CHECK(fixed == target && fixed[page] == 2, "MREMAP_FIXED failed");
    char* gone = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(gone, page);
    CHECK_ERRNO(mremap(gone, page, 2 * page, MREMAP_MAYMOVE), EFAULT);
    CHECK_ERRNO(mremap(fixed, page, page, MREMAP_FIXED, p), EINVAL);
    munmap(fixed, 4 * page);
    munmap(blocker, page);
    // Shrinking looks only at the mapping at the old address: the tail goes as with
    // munmap, even across the next mapping.
    char* first = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    first[0] = 5;
    CHECK(mprotect(first + 2 * page, page, PROT_READ) == 0, "mprotect: %s", strerror(errno)); // two mappings now
    CHECK(mremap(first, 3 * page, page, 0) == first && first[0] == 5, "shrinking across two mappings: %s",
        strerror(errno));
    CHECK(resident(first + 2 * page) == -1, "the second mapping was not cut off");
    munmap(first, page);
}

/// munmap frees the page tables it leaves empty: a PROT_NONE page (backed, not present)
/// keeps its table, and its content, when its neighbour goes.
static void page_tables_given_back(void)
{
    char* const where = (char*)(17ul << 40); // 2 MiB aligned: both pages in one page table
    char* p = mmap(where, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    CHECK(p == where, "mmap at %p: %s", where, strerror(errno));
    p[0] = 1;
    p[page] = 2;
    CHECK(mprotect(p + page, page, PROT_NONE) == 0, "mprotect: %s", strerror(errno));
    CHECK(munmap(p, page) == 0, "munmap: %s", strerror(errno));
    CHECK(mprotect(p + page, page, PROT_READ) == 0 && p[page] == 2, "a PROT_NONE page lost its content");
    munmap(p + page, page);
}

static void file_mappings(const char* path)
{
    int fd = open(path, O_RDONLY);
    CHECK(fd >= 0, "open %s: %s", path, strerror(errno));
    off_t size = lseek(fd, 0, SEEK_END);
    char* expected = malloc(size);
    CHECK(pread(fd, expected, size, 0) == size, "pread");
    size_t length = (size + page - 1) & ~(page - 1);
    char* p = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    CHECK(p != MAP_FAILED, "file mmap: %s", strerror(errno));
    CHECK(memcmp(p, expected, size) == 0, "mapped bytes differ from read()");
    for (size_t i = size; i < length; i++)
        if (p[i] != 0) {
            CHECK(0, "byte %zu past the end of the file is %d, not 0", i, p[i]);
            break;
        }
    char line[512];
    maps_line(p, line, sizeof line);
    CHECK(strstr(line, path) && strstr(line, " rw-p 00000000 "), "maps line for the file: [%s]", line);
    p[0] ^= 0x55; // private: copy on write, the file is unchanged
    char first;
    CHECK(pread(fd, &first, 1, 0) == 1 && first == expected[0], "a private write reached the file");
    CHECK_ERRNO(madvise(p, page, MADV_FREE), EINVAL); // private anonymous memory only
    CHECK(madvise(p + page, 0, MADV_FREE) == 0, "an empty MADV_FREE range: %s", strerror(errno));
    CHECK(p[0] == (char)(expected[0] ^ 0x55), "a refused MADV_FREE dropped the private copy");
    CHECK(madvise(p, page, MADV_DONTNEED) == 0 && p[0] == expected[0], "MADV_DONTNEED did not restore file content");
    close(fd); // the mapping outlives the descriptor
    CHECK(memcmp(p, expected, size) == 0, "mapping changed after close");
    munmap(p, length);
    fd = open(path, O_RDONLY);
    if (size > page) {
        char* second = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, page);
        CHECK(second != MAP_FAILED && memcmp(second, expected + page, size - page < page ? size - page : page) == 0,
            "mapping at an offset");
        munmap(second, page);
    }
    char* populated = mmap(NULL, length + 2 * page, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    CHECK(populated != MAP_FAILED && resident(populated) == 1 && resident(populated + length) == 0,
        "MAP_POPULATE of a file: its pages in, the pages past its end left out");
    munmap(populated, length + 2 * page);
    CHECK_ERRNO(mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), EACCES);
    CHECK_ERRNO(mmap(NULL, page, PROT_READ, MAP_PRIVATE, fd, 1), EINVAL);
    close(fd);
    fd = open("/", O_RDONLY | O_DIRECTORY);
    CHECK_ERRNO(mmap(NULL, page, PROT_READ, MAP_PRIVATE, fd, 0), ENODEV); // a directory
    close(fd);
    free(expected);
}

static void program_break(void)
{
    char* start = sbrk(0);
    CHECK(sbrk(3 * page) == start, "sbrk grow");
    memset(start, 1, 3 * page);
    char line[512];
    maps_line(start, line, sizeof line);
    CHECK(strstr(line, "[heap]") != NULL, "no [heap] line: [%s]", line);
    CHECK(sbrk(-3 * page) == start + 3 * page && sbrk(0) == start, "sbrk shrink");
}

/// MemFree from /proc/meminfo, in KiB (-1 if it cannot be read).
static long mem_free_kib(void)
{
    FILE* f = fopen("/proc/meminfo", "r");
    char line[128];
    long value = -1, total = -1;
    while (f && fgets(line, sizeof line, f)) {
        sscanf(line, "MemTotal: %ld kB", &total);
        sscanf(line, "MemFree: %ld kB", &value);
    }
    if (f)
        fclose(f);
    return total > 0 ? value : -1;
}

static void memory_accounting(void)
{
    size_t length = 4 << 20;
    long before = mem_free_kib();
    char* p = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    long mapped = mem_free_kib();
    memset(p, 1, length);
    long touched = mem_free_kib();
    munmap(p, length);
    long after = mem_free_kib();
    CHECK(before > 0, "no MemFree in /proc/meminfo");
    CHECK(before - mapped < 64, "mmap alone took %ld KiB", before - mapped);
    CHECK(mapped - touched >= 4096 && mapped - touched < 4096 + 64, "touching 4 MiB took %ld KiB", mapped - touched);
    CHECK(after - touched >= 4096, "munmap gave back only %ld KiB", after - touched);
}

/// Private file mappings share the image's pages until written: reading the program's file
/// through 100 mappings must not take 100 copies of it.
static void file_pages_are_shared(const char* path)
{
    int fd = open(path, O_RDONLY);
    size_t size = (size_t)lseek(fd, 0, SEEK_END), length = (size + page - 1) & ~(page - 1);
    char* maps[100];
    long before = mem_free_kib();
    unsigned sum = 0;
    for (int i = 0; i < 100; i++) {
        maps[i] = mmap(NULL, length, PROT_READ, MAP_PRIVATE, fd, 0);
        for (size_t offset = 0; offset < length; offset += page)
            sum += (unsigned char)maps[i][offset];
    }
    long used = before - mem_free_kib();
    CHECK(used < (long)(100 * length / 1024 / 4), "reading 100 mappings of a %zu KiB file took %ld KiB (copies?)",
        length / 1024, used);
    CHECK(sum % 100 == 0, "the mappings differ");
    for (int i = 0; i < 100; i++)
        munmap(maps[i], length);
    close(fd);
}

/// System calls given buffers that are unmapped or lack the access they need fail with
/// EFAULT, as on Linux (no fault kills the program).
static void bad_buffers(const char* path)
{
    char* read_only = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int fd = open(path, O_RDONLY);
    char* gone = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(gone, page); // nothing maps anything until the checks are done
    CHECK_ERRNO(write(1, gone, 10), EFAULT);
    CHECK_ERRNO(read(fd, gone, 10), EFAULT);
    CHECK_ERRNO(read(fd, read_only, 10), EFAULT);
    CHECK_ERRNO(pread(fd, read_only, 10, 0), EFAULT);
    CHECK(write(1, read_only, 0) == 0, "a zero-length write needs no buffer");
    CHECK_ERRNO(mincore(read_only, page, (unsigned char*)gone), EFAULT);
    CHECK_ERRNO(mincore(read_only, page, (unsigned char*)read_only), EFAULT);
    close(fd);
    munmap(read_only, page);
}

static void process_maps(void)
{
    FILE* maps = fopen("/proc/self/maps", "r");
    CHECK(maps != NULL, "fopen /proc/self/maps: %s", strerror(errno));
    char buffer[512];
    int stack = 0, text = 0;
    while (maps && fgets(buffer, sizeof buffer, maps)) {
        stack += strstr(buffer, "[stack]") != NULL;
        text += strstr(buffer, " r-xp ") && strstr(buffer, "/app/mm_semantics");
    }
    CHECK(stack == 1 && text == 1, "maps: %d [stack] lines, %d r-xp lines of the program", stack, text);
    if (maps)
        fclose(maps);
}

/// mlock populates (mincore then says resident), an unmapped page is ENOMEM, and the
/// unlocks and mlockall answer as for root on Linux.
static void locking(void)
{
    char* area = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(area != MAP_FAILED, "mmap");
    unsigned char resident[4];
    CHECK(mincore(area, 4 * page, resident) == 0 && !(resident[1] & 1), "untouched page resident");
    CHECK(mlock(area + page + 1, page) == 0, "errno %d", errno); // pages 1 and 2: whole pages
    CHECK(mincore(area, 4 * page, resident) == 0 && (resident[1] & 1) && (resident[2] & 1) && !(resident[3] & 1),
        "mlock did not populate exactly pages 1 and 2");
    CHECK(munlock(area, 4 * page) == 0, "errno %d", errno);
    munmap(area + 3 * page, page);
    CHECK_ERRNO(mlock(area, 4 * page), ENOMEM);
    CHECK(mlockall(MCL_CURRENT | MCL_FUTURE) == 0 && munlockall() == 0, "errno %d", errno);
    CHECK_ERRNO(mlockall(0), EINVAL);
    munmap(area, 3 * page);
}

int main(int argc, char** argv)
{
    (void)argc;
    page = sysconf(_SC_PAGESIZE);
    anonymous_memory();
    fixed_and_hints();
    protections();
    remapping();
    page_tables_given_back();
    file_mappings(argv[0]);
    program_break();
    memory_accounting();
    file_pages_are_shared(argv[0]);
    bad_buffers(argv[0]);
    process_maps();
    locking();
    if (failures)
        return 1;
    printf("mm_semantics: ok\n");
    return 0;
}
