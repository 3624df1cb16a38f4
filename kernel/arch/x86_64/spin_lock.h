// SpinLock: mutual exclusion for short critical sections that interrupt handlers also
// enter. lock() disables interrupts on this CPU before it spins, so a handler that takes
// the same lock can never interrupt its holder (a self-deadlock); unlock() restores the
// interrupt flag lock() found. The token carries that flag, so it fits lib::Guarded:
//
//   lib::Guarded<RunQueue, arch::SpinLock> g_queue;
//
// Never sleep or switch threads holding one, except through the scheduler's own switch
// (sched/scheduler.cpp), which hands the lock to the thread it switches to.
#pragma once

#include <kernel/arch/x86_64/tlb.h>

#include <cstdint>

namespace arch {

/// Whether interrupts are enabled on this CPU (RFLAGS.IF).
inline bool interrupts_enabled()
{
    uint64_t flags;
    asm volatile("pushfq; popq %0" : "=r"(flags));
    return flags & (1 << 9);
}
inline void disable_interrupts() { asm volatile("cli" ::: "memory"); }
inline void enable_interrupts() { asm volatile("sti" ::: "memory"); }

class SpinLock {
public:
    /// Interrupt flag as lock() found it; unlock() puts it back.
    enum class Token : bool { InterruptsWereOff, InterruptsWereOn };

    constexpr SpinLock() = default;
    SpinLock(const SpinLock&) = delete;
    SpinLock& operator=(const SpinLock&) = delete;

    Token lock()
    {
        Token token = interrupts_enabled() ? Token::InterruptsWereOn : Token::InterruptsWereOff;
        disable_interrupts();
        while (__atomic_exchange_n(&m_locked, true, __ATOMIC_ACQUIRE)) {
            // Interrupts are off: answer TLB shootdowns here, or their sender (which may be
            // the one this CPU waits for) would wait for this CPU forever.
            while (__atomic_load_n(&m_locked, __ATOMIC_RELAXED)) {
                tlb_service_pending();
                asm volatile("pause");
            }
        }
        return token;
    }

    void unlock(Token token)
    {
        __atomic_store_n(&m_locked, false, __ATOMIC_RELEASE);
        if (token == Token::InterruptsWereOn)
            enable_interrupts();
    }

    bool is_locked() const { return __atomic_load_n(&m_locked, __ATOMIC_RELAXED); }

private:
    bool m_locked = false;
};

} // namespace arch
