// A malloc of the program's own, as jemalloc is for redis or named: every block carries a
// tag in front of it, and free() counts blocks it did not make (which a real allocator
// would crash on). interposed_malloc.c checks that the libc's strdup, asprintf, getline,
// realpath and getcwd results are this allocator's.
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#define TAG 0x7a66ed0c0ffee000ull

struct header {
    uint64_t tag;
    size_t size;
};

int tagged_foreign_frees;
int tagged_live_blocks;

void* malloc(size_t size)
{
    size_t total = (sizeof(struct header) + size + 4095) & ~(size_t)4095;
    struct header* h = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (h == MAP_FAILED)
        return NULL;
    h->tag = TAG;
    h->size = size;
    ++tagged_live_blocks;
    return h + 1;
}

void free(void* p)
{
    if (!p)
        return;
    struct header* h = (struct header*)p - 1;
    if (((uintptr_t)h & 4095) != 0 || h->tag != TAG) { // not one of ours: never touch it
        ++tagged_foreign_frees;
        return;
    }
    --tagged_live_blocks;
    h->tag = 0;
    munmap(h, (sizeof(struct header) + h->size + 4095) & ~(size_t)4095);
}

void* calloc(size_t n, size_t size)
{
    void* p = malloc(n * size); // mmap's pages are zero
    return p;
}

void* realloc(void* p, size_t size)
{
    if (!p)
        return malloc(size);
    struct header* h = (struct header*)p - 1;
    if (((uintptr_t)h & 4095) != 0 || h->tag != TAG) {
        ++tagged_foreign_frees;
        return NULL;
    }
    void* q = malloc(size);
    if (q) {
        memcpy(q, p, h->size < size ? h->size : size);
        free(p);
    }
    return q;
}
