/* libc-shim's access to mimalloc's internals: start-up options, statistics, and the main
 * thread's change of thread pointer (mimalloc_bridge.h). Built with mimalloc's flags
 * (mimalloc.cmake). */
#include "mimalloc_bridge.h"

#include "mimalloc.h"
#include "mimalloc-internal.h"

/* Options for a small footprint. The kernel pages anonymous memory in on first touch, so
 * untouched committed memory costs no frames; what these options change is what mimalloc
 * counts as committed (mallinfo2's arena) and how soon freed memory goes back:
 *   eager_commit 0             commit segments on demand, in mimalloc's 1 MiB commit steps
 *                              (MI_MINIMAL_COMMIT_SIZE), not a whole 32 MiB segment at once:
 *                              segments are reserved PROT_NONE, then mprotect'ed
 *                              read-write piece by piece;
 *   decommit_delay 0           give a free span back (madvise MADV_DONTNEED frees its frames)
 *                              as soon as it is free, not 25 ms later on a later allocation:
 *                              then mi_collect (malloc_trim) leaves nothing free committed;
 *   abandoned_page_decommit 1  the same for the free pages of a thread that ends.
 * Every other option keeps mimalloc's default (large OS pages, huge-page and arena
 * reservations stay off). */
static void set_footprint_options(void)
{
    mi_option_set(mi_option_eager_commit, 0);
    mi_option_set(mi_option_decommit_delay, 0);
    mi_option_set(mi_option_abandoned_page_decommit, 1);
}

void osprey_mimalloc_init(void)
{
    set_footprint_options();
    _mi_options_init(); /* reads every other option now, from the kernel's empty environment */
    mi_process_init();
}

static size_t positive(int64_t value) { return value > 0 ? (size_t)value : 0; }

void osprey_mimalloc_stats(struct OspreyMallocStats* stats)
{
    mi_stats_merge();
    const mi_stats_t* main = &_mi_stats_main;
    stats->committed = positive(main->committed.current);
    stats->reserved = positive(main->reserved.current);
    stats->segments = positive(main->segments.current);
    stats->small_bytes = positive(main->normal.current);
    stats->large_bytes = positive(main->large.current);
    stats->huge_bytes = positive(main->huge.current);
}

/* Every page a heap owns is in one of its queues (huge pages in the huge queue: this build
 * does not define MI_HUGE_PAGE_ABANDON), and a segment is freed when its last page is, so
 * walking the queues reaches every segment the thread owns. Sets the thread id of the
 * heap and of the segments that have `old_id` to `new_id` when `rekey`; returns whether
 * all of them had `new_id`. */
static bool visit_heap(mi_heap_t* heap, mi_threadid_t old_id, mi_threadid_t new_id, bool rekey)
{
    bool owned = heap->thread_id == new_id;
    if (rekey)
        heap->thread_id = new_id;
    for (size_t bin = 0; bin <= MI_BIN_FULL; ++bin) {
        for (mi_page_t* page = heap->pages[bin].first; page != NULL; page = page->next) {
            mi_segment_t* segment = _mi_page_segment(page);
            mi_threadid_t id = mi_atomic_load_relaxed(&segment->thread_id);
            owned = owned && id == new_id;
            if (rekey && id == old_id)
                mi_atomic_store_release(&segment->thread_id, new_id);
        }
    }
    return owned;
}

void osprey_mimalloc_thread_pointer_moved(void)
{
    mi_heap_t* heap = mi_get_default_heap();
    if (!mi_heap_is_initialized(heap))
        return;
    const mi_threadid_t old_id = heap->thread_id, new_id = _mi_thread_id();
    if (old_id == new_id)
        return;
    mi_heap_t* main_heap = _mi_heap_main_get();
    if (main_heap->thread_id == old_id)
        main_heap->thread_id = new_id;
    for (mi_heap_t* each = heap->tld->heaps; each != NULL; each = each->next)
        (void)visit_heap(each, old_id, new_id, true);
}

bool osprey_mimalloc_thread_owns_its_heaps(void)
{
    mi_heap_t* heap = mi_get_default_heap();
    if (!mi_heap_is_initialized(heap))
        return false;
    bool owned = true;
    for (mi_heap_t* each = heap->tld->heaps; each != NULL; each = each->next)
        owned = visit_heap(each, 0, _mi_thread_id(), false) && owned;
    return owned;
}
