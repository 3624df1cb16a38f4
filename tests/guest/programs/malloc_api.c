// The glibc allocation API as Osprey provides it (mimalloc, libc-shim/malloc): results,
// alignments, errno values and statistics a glibc program may rely on. Prints one line per
// failed check and "malloc_api: ok" when all pass.
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Deliberate: reading a block after a realloc that failed (it must be intact) or after free
// (M_PERTURB), and calling the deprecated mallinfo (it is part of the ABI).
#pragma GCC diagnostic ignored "-Wuse-after-free"
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

static int failures;

static void check(int ok, const char* what)
{
    if (!ok) {
        printf("malloc_api: FAIL: %s\n", what);
        ++failures;
    }
}

// Hides a value from the optimiser, which knows malloc's contract (alignment, non-NULL
// results it may assume, sizes it may fold) and would otherwise decide checks at compile time.
static size_t opaque_size(size_t n)
{
    __asm__ volatile("" : "+r"(n));
    return n;
}

static uintptr_t address(void* p)
{
    __asm__ volatile("" : "+r"(p));
    return (uintptr_t)p;
}

// Makes a block escape, so that the optimiser cannot drop a malloc/free pair whose block
// nothing reads (C allows it; these tests want the calls).
static void keep(void* p) { __asm__ volatile("" : : "r"(p) : "memory"); }

static int aligned(void* p, size_t alignment) { return p && address(p) % alignment == 0; }

static int filled(const unsigned char* p, size_t from, size_t to, unsigned char byte)
{
    for (size_t i = from; i < to; ++i)
        if (p[i] != byte)
            return 0;
    return 1;
}

static void test_malloc(void)
{
    static const size_t sizes[] = { 0, 1, 7, 8, 9, 15, 16, 17, 24, 100, 1000, 4096, 100000, 1 << 20, 20 << 20 };
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); ++i) {
        unsigned char* p = malloc(opaque_size(sizes[i]));
        check(aligned(p, 16), "malloc returns 16-byte aligned blocks (glibc's MALLOC_ALIGNMENT)");
        check(p && malloc_usable_size(p) >= sizes[i], "malloc_usable_size >= the requested size");
        if (p && sizes[i]) {
            memset(p, 0x5c, sizes[i]);
            check(filled(p, 0, sizes[i], 0x5c), "a malloc'd block holds what was written");
        }
        free(p);
    }
    check(malloc_usable_size(NULL) == 0, "malloc_usable_size(NULL) is 0");
    errno = 0;
    check(malloc(opaque_size(SIZE_MAX)) == NULL && errno == ENOMEM, "malloc(SIZE_MAX) fails with ENOMEM");
    errno = 0;
    // More than the 47-bit user address space: the kernel's mmap fails, whatever its policy
    // for MAP_NORESERVE (mimalloc maps with it), and malloc must report that as ENOMEM.
    check(malloc(opaque_size((size_t)1 << 47)) == NULL && errno == ENOMEM, "malloc(128 TiB) fails with ENOMEM");
    void* p = malloc(32);
    keep(p);
    errno = EDOM;
    free(p);
    check(errno == EDOM, "free preserves errno");
    free(NULL);
}

static void test_calloc_realloc(void)
{
    size_t size = opaque_size(200000);
    unsigned char* dirty = malloc(size);
    memset(dirty, 0xaa, size);
    free(dirty);
    unsigned char* zeroed = calloc(size / 8, 8);
    check(zeroed && filled(zeroed, 0, size, 0), "calloc returns zeroed memory, even reused");
    free(zeroed);
    errno = 0;
    check(calloc(opaque_size(SIZE_MAX / 2), 3) == NULL && errno == ENOMEM, "calloc overflow fails with ENOMEM");

    char* text = realloc(NULL, 16);
    check(text != NULL, "realloc(NULL, n) allocates");
    strcpy(text, "osprey");
    text = realloc(text, 1 << 20);
    check(text && strcmp(text, "osprey") == 0, "realloc growing keeps the contents");
    text = realloc(text, 4);
    check(text && memcmp(text, "ospr", 4) == 0, "realloc shrinking keeps the prefix");
    errno = 0;
    check(realloc(text, opaque_size(SIZE_MAX)) == NULL && errno == ENOMEM, "realloc(p, SIZE_MAX) fails with ENOMEM");
    check(memcmp(text, "ospr", 4) == 0, "a failed realloc leaves the block as it was");
    check(realloc(text, 0) == NULL, "realloc(p, 0) frees p and returns NULL (glibc)");

    int* numbers = reallocarray(NULL, 100, sizeof(int));
    check(numbers != NULL, "reallocarray allocates");
    numbers[99] = 99;
    errno = 0;
    check(reallocarray(numbers, opaque_size(SIZE_MAX / 2), 4) == NULL && errno == ENOMEM,
        "reallocarray overflow fails with ENOMEM");
    check(numbers[99] == 99, "a failed reallocarray leaves the block as it was");
    numbers = reallocarray(numbers, 1000, sizeof(int));
    check(numbers && numbers[99] == 99, "reallocarray growing keeps the contents");
    free(numbers);
}

static void test_aligned(void)
{
    static const size_t alignments[] = { 32, 64, 256, 4096, 65536, 1 << 21 };
    for (size_t i = 0; i < sizeof(alignments) / sizeof(alignments[0]); ++i) {
        size_t alignment = opaque_size(alignments[i]);
        void* a = memalign(alignment, 100);
        void* b = aligned_alloc(alignment, alignment);
        void* c = NULL;
        check(aligned(a, alignment) && malloc_usable_size(a) >= 100, "memalign aligns");
        check(aligned(b, alignment), "aligned_alloc aligns");
        check(posix_memalign(&c, alignment, 3000) == 0 && aligned(c, alignment), "posix_memalign aligns");
        free(a), free(b), free(c);
    }
    void* small = memalign(opaque_size(8), 10);
    check(aligned(small, 16), "memalign with a small alignment is malloc");
    void* rounded = memalign(opaque_size(48), 10);
    check(aligned(rounded, 64), "memalign rounds an alignment up to a power of two (glibc)");
    free(small), free(rounded);
    errno = 0;
    check(memalign(opaque_size(SIZE_MAX / 2 + 2), 10) == NULL && errno == EINVAL,
        "memalign of an impossible alignment fails with EINVAL");

    void* untouched = (void*)0x1234;
    check(posix_memalign(&untouched, opaque_size(24), 10) == EINVAL,
        "posix_memalign: non-power-of-two alignment is EINVAL");
    check(posix_memalign(&untouched, opaque_size(4), 10) == EINVAL,
        "posix_memalign: alignment below sizeof(void*) is EINVAL");
    check(posix_memalign(&untouched, opaque_size(0), 10) == EINVAL, "posix_memalign: alignment 0 is EINVAL");
    check(posix_memalign(&untouched, 64, opaque_size(SIZE_MAX)) == ENOMEM, "posix_memalign: SIZE_MAX is ENOMEM");
    check(untouched == (void*)0x1234, "a failed posix_memalign leaves *memptr alone");

    void* page = valloc(100);
    check(aligned(page, 4096), "valloc aligns to the page size");
    void* pages = pvalloc(5000);
    check(aligned(pages, 4096) && malloc_usable_size(pages) >= 8192, "pvalloc rounds the size up to whole pages");
    free(page), free(pages);
    errno = 0;
    check(pvalloc(opaque_size(SIZE_MAX)) == NULL && errno == ENOMEM, "pvalloc(SIZE_MAX) fails with ENOMEM");
}

static void test_mallinfo(void)
{
    const size_t large = 1 << 20, huge = 40 << 20;
    struct mallinfo2 before = mallinfo2();
    void* block = malloc(opaque_size(large));
    keep(block);
    struct mallinfo2 with = mallinfo2();
    check(with.uordblks >= before.uordblks + large, "mallinfo2: uordblks grows by a 1 MiB block");
    check(with.arena >= with.uordblks && with.fordblks == with.arena - with.uordblks,
        "mallinfo2: arena = uordblks + fordblks");
    free(block);
    struct mallinfo2 after = mallinfo2();
    check(after.uordblks + large <= with.uordblks, "mallinfo2: uordblks shrinks when it is freed");

    void* big = malloc(opaque_size(huge));
    keep(big);
    struct mallinfo2 with_big = mallinfo2();
    check(with_big.hblkhd >= after.hblkhd + huge && with_big.hblks > after.hblks,
        "mallinfo2: a 40 MiB block is in hblkhd, its segment in hblks");
    free(big);
    struct mallinfo2 without_big = mallinfo2();
    check(without_big.hblkhd + huge <= with_big.hblkhd && without_big.hblks < with_big.hblks,
        "mallinfo2: freeing it unmaps its segment");
    struct mallinfo narrow = mallinfo();
    check(narrow.uordblks == (int)mallinfo2().uordblks, "mallinfo reports mallinfo2's numbers");
}

static void test_trim(void)
{
    enum { kBlocks = 3000 };
    static void* blocks[kBlocks];
    for (int i = 0; i < kBlocks; ++i)
        keep(blocks[i] = malloc(opaque_size(1000)));
    for (int i = 0; i < kBlocks; ++i)
        free(blocks[i]);
    size_t arena = mallinfo2().arena;
    check(malloc_trim(0) == 1, "malloc_trim gives 3 MB of free blocks back and says so");
    check(mallinfo2().arena < arena, "malloc_trim lowers the committed memory");
    check(malloc_trim(0) == 0, "a second malloc_trim has nothing to give back and says so");
}

static void test_mallopt(void)
{
    check(mallopt(M_PERTURB, 0xa5) == 1, "mallopt(M_PERTURB) is accepted");
    unsigned char* p = malloc(opaque_size(64));
    check(p && filled(p, 0, 64, 0x5a), "M_PERTURB: malloc fills blocks with the complement");
    unsigned char* z = calloc(64, 1);
    check(z && filled(z, 0, 64, 0), "M_PERTURB: calloc still zeroes");
    free(z);
    // Reading a freed block: bytes past mimalloc's free-list link must hold the perturb byte.
    volatile unsigned char* stale = p;
    free(p);
    check(stale[16] == 0xa5 && stale[63] == 0xa5, "M_PERTURB: free fills the block");
    check(mallopt(M_PERTURB, 0) == 1, "mallopt(M_PERTURB, 0) turns it off");
    check(mallopt(M_MMAP_THRESHOLD, 1 << 20) == 0, "mallopt(M_MMAP_THRESHOLD) is not supported: 0");
    check(mallopt(M_ARENA_MAX, 1) == 0, "mallopt(M_ARENA_MAX) is not supported: 0");
    check(mallopt(12345, 1) == 0, "mallopt of an unknown parameter returns 0");
}

int main(void)
{
    test_malloc();
    test_calloc_realloc();
    test_aligned();
    test_mallinfo();
    test_trim();
    test_mallopt();
    if (failures)
        return 1;
    fflush(stdout);
    malloc_stats(); // on stderr; tests/guest/CMakeLists.txt checks its last line
    printf("malloc_api: ok\n");
    return 0;
}
