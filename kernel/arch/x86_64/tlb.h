// TLB shootdown: when one CPU changes or removes a page-table entry that other CPUs may have
// cached, each of them must drop it before the change counts as done (Intel SDM vol. 3A
// §4.10.5). The changing CPU flushes its own entries (INVLPG), then interrupts the others
// with kTlbShootdownVector and waits until each has flushed the range.
//
// A CPU that spins with interrupts off (for the big kernel lock, sched/kernel_lock.cpp)
// calls tlb_service_pending() in its loop, so that a shootdown sent by the lock's holder
// cannot wait on it forever.
#pragma once

#include <cstdint>

namespace arch {

/// Makes every other online CPU drop its TLB entries for [start, end) (page-aligned; the
/// whole TLB when the range is large) and returns when all have. This CPU's own entries are
/// the caller's (mm flushes them as it changes each entry). Any context without spinlocks.
void tlb_shootdown(uintptr_t start, uintptr_t end);

/// Makes every other online CPU take an interrupt and returns when all have: each has then
/// executed a serialising instruction and ordered its memory accesses (membarrier's
/// expedited commands). Any context without spinlocks.
void barrier_on_other_cpus();

/// Flushes what a shootdown waiting on this CPU asks, if any (for spin loops with
/// interrupts off).
void tlb_service_pending();

/// Counts this CPU as one that caches translations and must answer shootdowns: the boot
/// CPU once the APIC is up, each AP before it runs any thread. Installs the IPI handler
/// the first time.
void tlb_cpu_online();

} // namespace arch
