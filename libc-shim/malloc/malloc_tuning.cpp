// mallopt (glibc <malloc.h>) on mimalloc. glibc returns 1 when it accepts a parameter and
// 0 for one it does not know; here 0 also means "glibc's malloc has it, mimalloc has no
// equivalent". Accepted:
//   M_PERTURB         glibc's semantics, implemented by the allocation functions here:
//                     blocks handed out are filled with ~value, freed blocks with value
//                     (the low byte; 0 turns it off);
//   M_CHECK_ACTION    bit 0 makes mimalloc print its error messages on stderr (out of
//                     memory, overflowing sizes: this release build detects no heap
//                     corruption); glibc's abort bit (1) has no equivalent and is ignored.
// Not accepted (0): M_TRIM_THRESHOLD (mimalloc gives every free span back at once, whatever
// its size: mimalloc_bridge.c), M_MXFAST (no fast bins), M_TOP_PAD (no sbrk heap),
// M_MMAP_THRESHOLD and M_MMAP_MAX (mimalloc decides by size: blocks over 16 MiB get their
// own segment), M_ARENA_TEST and M_ARENA_MAX (one heap per thread, no arenas), the rest.
#include "malloc_tuning.h"

#include <mimalloc.h>

#include <atomic>
#include <cstring>
#include <malloc.h>

namespace libc_shim {

namespace {

std::atomic<int> g_perturb_byte; // 0: off

} // namespace

void perturb_allocated(void* block, size_t size)
{
    int byte = g_perturb_byte.load(std::memory_order_relaxed);
    if (byte != 0)
        memset(block, ~byte & 0xff, size);
}

void perturb_freed(void* block)
{
    int byte = g_perturb_byte.load(std::memory_order_relaxed);
    if (byte != 0)
        memset(block, byte, mi_usable_size(block));
}

} // namespace libc_shim

extern "C" int mallopt(int parameter, int value) noexcept
{
    switch (parameter) {
    case M_PERTURB: libc_shim::g_perturb_byte.store(value & 0xff, std::memory_order_relaxed); return 1;
    case M_CHECK_ACTION: mi_option_set(mi_option_show_errors, value & 1); return 1;
    default: return 0;
    }
}
