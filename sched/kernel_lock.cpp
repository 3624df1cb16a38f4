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
// answering TLB shootdowns, since the holder may be waiting for exactly that. A waiter
// with interrupts on halts after a while of spinning and is kicked by the release. Before it
// is released, the other CPUs' TLBs are brought up to date (mm::flush_remote_tlbs).
#include "scheduler_state.h"

#include <sched/scheduler.h>

#include <kernel/arch/x86_64/gdt.h>
#include <kernel/arch/x86_64/idt.h>
#include <kernel/arch/x86_64/lapic.h>
#include <kernel/arch/x86_64/tlb.h>
#include <mm/memory.h>

namespace sched {

namespace {

struct BigKernelLock {
    Thread* owner = nullptr;
    uint64_t halted_waiters = 0; // APIC-ID bits of CPUs halted until the lock is released
};

// Spins before a waiter with interrupts on halts instead (about 50-200 us). Halting matters
// when vCPUs outnumber host CPUs: a spinning vCPU would burn the turn of the vCPU that
// holds the lock (a paravirtual spinlock's idea, with the release's IPI as the kick).
constexpr unsigned kSpinsBeforeHalt = 1u << 14;

arch::InterruptResult on_kick(arch::InterruptFrame&)
{
    arch::lapic_end_of_interrupt();
    return arch::InterruptResult::Handled;
}

BigKernelLock& big_lock()
{
    static BigKernelLock lock;
    return lock;
}

bool try_take(Thread& self)
{
    Thread* expected = nullptr;
    return __atomic_compare_exchange_n(&big_lock().owner, &expected, &self, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

// Halts this CPU until the lock is released (the releaser sends kKernelLockKickVector),
// or any other interrupt. Interrupts are on when called and on when it returns.
void halt_until_released()
{
    BigKernelLock& lock = big_lock();
    uint64_t bit = uint64_t(1) << (this_cpu().apic_id % 64);
    arch::disable_interrupts();
    __atomic_fetch_or(&lock.halted_waiters, bit, __ATOMIC_SEQ_CST);
    // Looked at after the bit is visible: a release from now on sees the bit and kicks;
    // its IPI, if it comes before the sti, fires right after it and ends the hlt.
    if (__atomic_load_n(&lock.owner, __ATOMIC_SEQ_CST) && arch::lapic_ready())
        asm volatile("sti; hlt; cli" ::: "memory");
    __atomic_fetch_and(&lock.halted_waiters, ~bit, __ATOMIC_SEQ_CST);
    arch::enable_interrupts();
}

void acquire(Thread& self)
{
    for (unsigned spins = 0;; ++spins) {
        if (try_take(self))
            return;
        arch::tlb_service_pending(); // interrupts may be off (a page fault)
        if (spins >= kSpinsBeforeHalt && arch::interrupts_enabled()) {
            halt_until_released();
            spins = 0;
        }
        asm volatile("pause");
    }
}

void release()
{
    mm::flush_remote_tlbs();
    BigKernelLock& lock = big_lock();
    __atomic_store_n(&lock.owner, nullptr, __ATOMIC_SEQ_CST);
    uint64_t halted = __atomic_load_n(&lock.halted_waiters, __ATOMIC_SEQ_CST);
    if (halted) // wake one halted waiter: it takes the lock or spins again
        arch::lapic_send_ipi(uint8_t(__builtin_ctzll(halted)), arch::kKernelLockKickVector);
}

constinit arch::InterruptHandler g_unlocked_fault_handler = nullptr; // set once, then read-only
constexpr uint8_t kPageFaultVector = 14;

arch::InterruptResult on_page_fault_locked(arch::InterruptFrame& frame)
{
    KernelSectionInHandler section;
    return g_unlocked_fault_handler(frame);
}

} // namespace

void take_kernel_lock(Thread& self) { acquire(self); }

void release_kernel_lock() { release(); }

KernelSectionInHandler::KernelSectionInHandler()
{
    Thread& self = current();
    m_took = self.kernel_depth == 0;
    m_on_handler_stack = arch::ist_slot_containing(reinterpret_cast<uintptr_t>(__builtin_frame_address(0))) != 0;
    ++self.kernel_depth;
    if (m_on_handler_stack)
        ++self.handler_kernel_depth;
    if (m_took)
        acquire(self);
}

KernelSectionInHandler::~KernelSectionInHandler()
{
    Thread& self = current();
    if (m_took)
        release();
    if (m_on_handler_stack)
        --self.handler_kernel_depth;
    --self.kernel_depth;
}

void release_kernel_lock_for_switch() { release(); }

void reacquire_kernel_lock() { acquire(current()); }

void install_locked_fault_handlers()
{
    arch::set_interrupt_handler(arch::kKernelLockKickVector, on_kick);
    if (g_unlocked_fault_handler)
        return;
    g_unlocked_fault_handler = arch::interrupt_handler(kPageFaultVector);
    if (g_unlocked_fault_handler)
        arch::set_interrupt_handler(kPageFaultVector, on_page_fault_locked);
}

} // namespace sched
