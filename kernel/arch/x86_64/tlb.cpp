// TLB shootdown (tlb.h). One request at a time, in a mailbox every CPU reads: the range
// and a bit per CPU (by APIC ID) that has still to flush it. A CPU clears its own bit
// after flushing, so the IPI and the polling of tlb_service_pending() may both see the
// request: the second one finds its bit clear, or flushes again, which is harmless.
#include <kernel/arch/x86_64/tlb.h>

#include <kernel/arch/x86_64/idt.h>
#include <kernel/arch/x86_64/lapic.h>
#include <kernel/arch/x86_64/spin_lock.h>

namespace arch {

namespace {

constexpr uint64_t kPageSize = 4096;
constexpr uint64_t kMaxPagesByInvlpg = 32; // beyond this, reloading CR3 is cheaper

struct Mailbox {
    SpinLock sender; // one request at a time
    uint64_t start = 0, end = 0;
    uint64_t pending = 0; // APIC-ID bits of the CPUs that have not flushed it yet
    uint64_t online = 0;  // APIC-ID bits of the CPUs that take part (tlb_cpu_online)
};

Mailbox& mailbox()
{
    static Mailbox box;
    return box;
}

uint64_t this_cpu_bit() { return uint64_t(1) << (lapic_id() % 64); }

void flush_local(uint64_t start, uint64_t end)
{
    if ((end - start) / kPageSize > kMaxPagesByInvlpg) {
        uint64_t cr3;
        asm volatile("mov %%cr3, %0; mov %0, %%cr3" : "=r"(cr3) : : "memory"); // drops every non-global entry
        return;
    }
    for (uint64_t page = start; page < end; page += kPageSize)
        asm volatile("invlpg (%0)" ::"r"(page) : "memory");
}

InterruptResult on_shootdown(InterruptFrame&)
{
    lapic_end_of_interrupt();
    tlb_service_pending();
    return InterruptResult::Handled;
}

} // namespace

void tlb_service_pending()
{
    Mailbox& box = mailbox();
    if (__atomic_load_n(&box.pending, __ATOMIC_ACQUIRE) == 0)
        return; // nothing out (and, on one CPU, no APIC to ask for an ID)
    bool interrupts_were_on = interrupts_enabled();
    disable_interrupts(); // the IPI's handler must not run in the middle of this
    uint64_t bit = this_cpu_bit();
    if (__atomic_load_n(&box.pending, __ATOMIC_ACQUIRE) & bit) {
        flush_local(box.start, box.end);
        __atomic_fetch_and(&box.pending, ~bit, __ATOMIC_RELEASE);
    }
    if (interrupts_were_on)
        enable_interrupts();
}

namespace {

/// Sends one request to every other online CPU and waits until each has served it (an
/// empty range: a barrier with nothing to flush).
void request_from_others(uintptr_t start, uintptr_t end)
{
    Mailbox& box = mailbox();
    if (__builtin_popcountll(__atomic_load_n(&box.online, __ATOMIC_ACQUIRE)) <= 1)
        return;
    auto token = box.sender.lock();
    uint64_t others = box.online & ~this_cpu_bit(); // read under the lock: tlb_cpu_online takes it too
    box.start = start;
    box.end = end;
    __atomic_store_n(&box.pending, others, __ATOMIC_RELEASE);
    lapic_send_ipi_to_others(kTlbShootdownVector);
    while (__atomic_load_n(&box.pending, __ATOMIC_ACQUIRE) != 0)
        asm volatile("pause");
    box.sender.unlock(token);
}

} // namespace

void tlb_shootdown(uintptr_t start, uintptr_t end)
{
    if (start < end)
        request_from_others(start, end);
}

void barrier_on_other_cpus() { request_from_others(0, 0); }

void tlb_cpu_online()
{
    Mailbox& box = mailbox();
    auto token = box.sender.lock(); // not while a request is out: it did not count this CPU
    if (__atomic_fetch_or(&box.online, this_cpu_bit(), __ATOMIC_ACQ_REL) == 0)
        set_interrupt_handler(kTlbShootdownVector, on_shootdown);
    box.sender.unlock(token);
}

} // namespace arch
