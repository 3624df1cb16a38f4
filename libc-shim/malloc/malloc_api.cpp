// The C allocation API with glibc 2.36's behaviour, on mimalloc: the one allocator of the
// kernel and of the program (docs/architecture.md, "Allocator"). These definitions also
// serve musl's internal __libc_malloc/__libc_free/... (musl's src/malloc is not built,
// libc-shim/musl.cmake). Statistics and trimming are in malloc_stats.cpp, mallopt in malloc_tuning.cpp.
#include "malloc_tuning.h"

#include <mimalloc.h>

#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <malloc.h>

namespace {

// glibc's MALLOC_ALIGNMENT on x86-64 (2 * sizeof(size_t)): every block is 16-byte aligned.
// mimalloc's bins are multiples of 16 bytes except the 8-byte one, so smaller requests
// take 16 bytes.
constexpr size_t kMallocAlignment = 16;
constexpr size_t kPageSize = 4096;

size_t at_least_alignment(size_t size) { return size < kMallocAlignment ? kMallocAlignment : size; }

void* or_enomem(void* p)
{
    if (p == nullptr)
        errno = ENOMEM;
    return p;
}

void* fresh_block(void* p, size_t size)
{
    if (or_enomem(p))
        libc_shim::perturb_allocated(p, size);
    return p;
}

// glibc's _mid_memalign: small alignments are malloc's; others round up to a power of two.
void* aligned_block(size_t alignment, size_t size)
{
    if (alignment <= kMallocAlignment)
        return malloc(size);
    if (alignment > SIZE_MAX / 2 + 1) {
        errno = EINVAL;
        return nullptr;
    }
    // Not mi_malloc_aligned: in mimalloc 2.0.9 its fast path hands out a small block of a
    // power-of-two size as if naturally aligned, but small pages start 384 bytes into their
    // slice (segment.c, _mi_segment_page_start_from_slice), so a 256-byte block there is
    // only 128-byte aligned. The _at variant checks the block it takes.
    return fresh_block(mi_malloc_aligned_at(size, std::bit_ceil(alignment), 0), size);
}

} // namespace

extern "C" {

void* malloc(size_t size) noexcept { return fresh_block(mi_malloc(at_least_alignment(size)), size); }

void free(void* p) noexcept // preserves errno, as glibc does since 2.33
{
    if (p == nullptr)
        return;
    int saved = errno;
    libc_shim::perturb_freed(p);
    mi_free(p);
    errno = saved;
}

void* calloc(size_t count, size_t size) noexcept
{
    size_t total;
    if (__builtin_mul_overflow(count, size, &total)) {
        errno = ENOMEM;
        return nullptr;
    }
    return or_enomem(mi_zalloc(at_least_alignment(total)));
}

// realloc(p, 0) frees p and returns NULL (glibc's REALLOC_ZERO_BYTES_FREES); on failure the
// block is left as it was.
void* realloc(void* p, size_t size) noexcept
{
    if (p != nullptr && size == 0) {
        free(p);
        return nullptr;
    }
    return or_enomem(mi_realloc(p, at_least_alignment(size)));
}

void* reallocarray(void* p, size_t count, size_t size) noexcept
{
    size_t total;
    if (__builtin_mul_overflow(count, size, &total)) {
        errno = ENOMEM;
        return nullptr;
    }
    return realloc(p, total);
}

void* memalign(size_t alignment, size_t size) noexcept { return aligned_block(alignment, size); }

// glibc 2.36's aligned_alloc is memalign (2.38 started rejecting non-powers of two).
void* aligned_alloc(size_t alignment, size_t size) noexcept { return aligned_block(alignment, size); }

int posix_memalign(void** result, size_t alignment, size_t size) noexcept
{
    if (alignment == 0 || alignment % sizeof(void*) != 0 || !std::has_single_bit(alignment))
        return EINVAL;
    void* p = aligned_block(alignment, size);
    if (p == nullptr)
        return ENOMEM;
    *result = p;
    return 0;
}

void* valloc(size_t size) noexcept { return aligned_block(kPageSize, size); }

void* pvalloc(size_t size) noexcept
{
    if (size > SIZE_MAX - (kPageSize - 1)) {
        errno = ENOMEM;
        return nullptr;
    }
    return aligned_block(kPageSize, (size + kPageSize - 1) & ~(kPageSize - 1));
}

size_t malloc_usable_size(void* p) noexcept { return mi_usable_size(p); }

// musl's internal names (musl src/include/stdlib.h) for the same functions.
void* __libc_malloc(size_t size) { return malloc(size); }
void __libc_free(void* p) { free(p); }
void* __libc_calloc(size_t count, size_t size) { return calloc(count, size); }
void* __libc_realloc(void* p, size_t size) { return realloc(p, size); }

} // extern "C"
