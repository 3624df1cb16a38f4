// mallinfo2, mallinfo, malloc_stats and malloc_trim (glibc <malloc.h>) from mimalloc's statistics
// (mimalloc_bridge.h: process-wide totals plus the calling thread's counters; other running
// threads' counters join when they exit).
//
// glibc splits its memory into the main arena and chunks mmapped on their own; every
// mimalloc block lives in a mapped segment, and the closest thing to glibc's mmapped chunks
// are blocks of more than 16 MiB, which get a segment each. struct mallinfo2, field by field:
//   arena     real: bytes mimalloc has committed from the kernel, minus hblkhd
//   ordblks   0: mimalloc keeps no count of free blocks
//   smblks    0: no fast bins (glibc reports 0 too when they are unused)
//   hblks     real: mimalloc segments mapped now (32 MiB each, or one per huge block)
//   hblkhd    real: bytes in blocks of more than 16 MiB
//   usmblks   0, as in glibc
//   fsmblks   0: no fast bins
//   uordblks  real: bytes in blocks in use up to 16 MiB, counted in block sizes (a request
//             is rounded up to its size class, as glibc counts chunk sizes)
//   fordblks  real: arena - uordblks, committed but not in use (free blocks, empty pages
//             mimalloc keeps for reuse, its page and segment metadata)
//   keepcost  0: mimalloc has no top chunk; malloc_trim gives back everything it can
#include "mimalloc_bridge.h"

#include <mimalloc.h>

#include <climits>
#include <cstddef>
#include <cstdio>
#include <malloc.h>

namespace {

struct mallinfo2 current_mallinfo2()
{
    OspreyMallocStats stats;
    osprey_mimalloc_stats(&stats);
    struct mallinfo2 info { };
    info.hblkhd = stats.huge_bytes;
    info.arena = stats.committed > stats.huge_bytes ? stats.committed - stats.huge_bytes : 0;
    info.hblks = stats.segments;
    info.uordblks = stats.small_bytes + stats.large_bytes;
    info.fordblks = info.arena > info.uordblks ? info.arena - info.uordblks : 0;
    return info;
}

int saturated(size_t value) { return value > size_t(INT_MAX) ? INT_MAX : int(value); }

} // namespace

extern "C" {

struct mallinfo2 mallinfo2() noexcept { return current_mallinfo2(); }

// The GLIBC_2.0 interface: the same numbers in int, which larger heaps overflow (glibc
// wraps them; here they saturate at INT_MAX).
struct mallinfo mallinfo() noexcept
{
    struct mallinfo2 wide = current_mallinfo2();
    struct mallinfo narrow { };
    narrow.arena = saturated(wide.arena);
    narrow.hblks = saturated(wide.hblks);
    narrow.hblkhd = saturated(wide.hblkhd);
    narrow.uordblks = saturated(wide.uordblks);
    narrow.fordblks = saturated(wide.fordblks);
    return narrow;
}

// glibc's report on stderr, for its one arena, from mallinfo2's numbers. glibc's last two
// lines are maxima of mmapped regions and bytes; here they are the segments mapped and the
// bytes in blocks over 16 MiB now: mimalloc keeps peaks per thread, and merging threads'
// counters adds their peaks up. glibc prints 32-bit unsigned values; so does this.
void malloc_stats() noexcept
{
    struct mallinfo2 info = current_mallinfo2();
    fprintf(stderr, "Arena 0:\nsystem bytes     = %10u\nin use bytes     = %10u\n", unsigned(info.arena),
        unsigned(info.uordblks));
    fprintf(stderr, "Total (incl. mmap):\nsystem bytes     = %10u\nin use bytes     = %10u\n",
        unsigned(info.arena + info.hblkhd), unsigned(info.uordblks + info.hblkhd));
    fprintf(stderr, "max mmap regions = %10u\nmax mmap bytes   = %10lu\n", unsigned(info.hblks),
        (unsigned long)info.hblkhd);
}

// Gives every free page of the calling thread's heaps back to the kernel (mi_collect(true):
// empty and retired pages freed, their spans decommitted with madvise(MADV_DONTNEED), empty
// segments unmapped). `pad` (glibc: bytes to leave at the top of the heap) has no meaning
// without a top chunk. Returns 1 if committed or mapped memory went down, 0 if not (glibc:
// "1 if memory was actually released back to the system").
int malloc_trim(size_t pad) noexcept
{
    (void)pad;
    OspreyMallocStats before, after;
    osprey_mimalloc_stats(&before);
    mi_collect(true);
    osprey_mimalloc_stats(&after);
    return after.committed < before.committed || after.reserved < before.reserved ? 1 : 0;
}

} // extern "C"
