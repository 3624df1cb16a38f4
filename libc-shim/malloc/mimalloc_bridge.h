/* The C functions through which libc-shim's C++ reaches mimalloc's internals
 * (mimalloc_bridge.c) and musl's (musl_main_thread.c). Kernel code uses
 * libc_shim/malloc.h instead. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* mimalloc's statistics, in bytes unless said otherwise, summed over the process-wide
 * totals and the calling thread's not yet merged counters. Other threads' unmerged
 * counters (merged when they exit) are not included. */
struct OspreyMallocStats {
    size_t committed;   /* memory mimalloc has committed (read-write) from the kernel */
    size_t reserved;    /* memory mimalloc has mapped, committed or not */
    size_t segments;    /* mimalloc segments currently mapped (a count) */
    size_t small_bytes; /* blocks in use of at most 128 KiB (block sizes, not requests) */
    size_t large_bytes; /* blocks in use of 128 KiB to 16 MiB */
    size_t huge_bytes;  /* blocks in use of more than 16 MiB, each in its own segment */
};

/* Sets mimalloc's options for a small footprint (see mimalloc_bridge.c), fixes every option
 * so that a program's MIMALLOC_* environment cannot change the kernel's allocator later,
 * then initialises mimalloc's process and main-thread state. Precondition: musl is
 * initialised (thread pointer, stderr), no malloc has run yet. Call once. */
void osprey_mimalloc_init(void);

/* Fills *stats (see struct OspreyMallocStats). Merges the calling thread's counters into
 * the process-wide ones first, as mimalloc's own statistics printer does. */
void osprey_mimalloc_stats(struct OspreyMallocStats* stats);

/* Re-keys the calling thread's mimalloc heaps and segments to its current thread id (its
 * thread pointer, %fs:0) after that pointer changed under the same thread of execution.
 * Precondition: the default heap is reachable again (osprey_musl_keep_main_thread_keys)
 * and no other thread runs. */
void osprey_mimalloc_thread_pointer_moved(void);

/* Whether the calling thread's mimalloc heaps, and every segment holding one of their
 * pages, carry its current thread id (for ktest=malloc). */
bool osprey_mimalloc_thread_owns_its_heaps(void);

/* Gives musl's new main-thread struct pthread the main thread's pthread key values
 * (musl_main_thread.c). */
void osprey_musl_keep_main_thread_keys(void);

/* For ktest=malloc (musl_main_thread.c): the size of musl's struct pthread, and a move of
 * the calling thread to a copy of it at `memory`, with NULL `tsd`, as a fresh one has. */
size_t osprey_musl_thread_size(void);
void osprey_musl_move_thread(void* memory);

#ifdef __cplusplus
}
#endif
