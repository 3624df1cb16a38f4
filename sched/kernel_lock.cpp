// The big kernel lock (scheduler.h, KernelSection): one owner thread at a time, taken by
// spinning. It is the SMP first cut of issue 12: kernel state that predates threads (the
// address space, the fd table, the module list, signal dispositions) has no lock of its
// own yet, and this one keeps its code on one CPU at a time while application code runs
// on all of them. Every entry into such state takes it: system calls (dispatch.cpp), the
// linker and dlopen (libc-shim), page faults (below), signal delivery.
//
// Rules: the lock comes before the scheduler's spinlock, never after (a thread woken in
// switch_away_locked takes it back only after dropping the scheduler's). A thread that
// blocks releases it and takes it back when it runs again. Spinning for it, a CPU keeps
// answering TLB shootdowns, since the holder may be waiting for exactly that. Before it
// is released, the other CPUs' TLBs are brought up to date (mm::flush_remote_tlbs).
#include "scheduler_state.h"

#include <sched/scheduler.h>

#include <kernel/arch/x86_64/idt.h>
#include <kernel/arch/x86_64/tlb.h>
#include <mm/memory.h>

namespace sched {

namespace {

struct BigKernelLock {
    Thread* owner = nullptr;
};

BigKernelLock& big_lock()
{
    static BigKernelLock lock;
    return lock;
}

void acquire(Thread& self)
{
    Thread** owner = &big_lock().owner;
    for (;;) {
        Thread* expected = nullptr;
        if (__atomic_compare_exchange_n(owner, &expected, &self, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
            return;
        while (__atomic_load_n(owner, __ATOMIC_RELAXED)) {
            arch::tlb_service_pending(); // interrupts may be off (a page fault)
            asm volatile("pause");
        }
    }
}

void release()
{
    mm::flush_remote_tlbs();
    __atomic_store_n(&big_lock().owner, nullptr, __ATOMIC_RELEASE);
}

constinit arch::InterruptHandler g_unlocked_fault_handler = nullptr; // set once, then read-only
constexpr uint8_t kPageFaultVector = 14;

arch::InterruptResult on_page_fault_locked(arch::InterruptFrame& frame)
{
    KernelSectionInHandler section;
    return g_unlocked_fault_handler(frame);
}

} // namespace

void enter_kernel()
{
    Thread& self = current();
    // Counted before the lock is taken: a timer interrupt in between sees a thread in
    // the kernel and leaves it be (need_resched), so no thread is preempted while it
    // holds the lock.
    if (self.kernel_depth++ == 0)
        acquire(self);
}

void leave_kernel()
{
    Thread& self = current();
    if (self.kernel_depth == 1)
        release(); // released before the count drops, for the same reason
    if (--self.kernel_depth == 0 && __atomic_load_n(&self.need_resched, __ATOMIC_RELAXED))
        leave_kernel_slow();
}

KernelSectionInHandler::KernelSectionInHandler()
{
    Thread& self = current();
    m_took = self.kernel_depth == 0;
    ++self.kernel_depth;
    if (m_took)
        acquire(self);
}

KernelSectionInHandler::~KernelSectionInHandler()
{
    Thread& self = current();
    if (m_took)
        release();
    --self.kernel_depth;
}

void release_kernel_lock_for_switch() { release(); }

void reacquire_kernel_lock() { acquire(current()); }

void install_locked_fault_handlers()
{
    if (g_unlocked_fault_handler)
        return;
    g_unlocked_fault_handler = arch::interrupt_handler(kPageFaultVector);
    if (g_unlocked_fault_handler)
        arch::set_interrupt_handler(kPageFaultVector, on_page_fault_locked);
}

} // namespace sched
