// Deadlines and the APIC timer: the timer list (earliest first), the one-shot timer armed
// for the next event, and preemption at the end of a time slice. Nothing ticks: with one
// runnable thread and no deadline the timer is not re-armed.
#include "scheduler_state.h"

#include <sched/scheduler.h>

#include <kernel/arch/x86_64/idt.h>
#include <kernel/arch/x86_64/lapic.h>
#include <kernel/arch/x86_64/tsc.h>
#include <kernel/console/log.h>
#include <mm/memory.h>

namespace sched {

namespace {

// Set once at boot (set_signal_delivery), read-only afterwards.
constinit SignalDelivery g_signal_delivery = nullptr;

arch::InterruptResult on_timer(arch::InterruptFrame& frame)
{
    arch::lapic_end_of_interrupt();
    return preemption_point(frame, true);
}

// Another CPU made a thread runnable for this one, or sent a signal to the thread running
// here: the same look as at a timer interrupt.
arch::InterruptResult on_reschedule(arch::InterruptFrame& frame)
{
    arch::lapic_end_of_interrupt();
    return preemption_point(frame, false);
}

// SDM vol. 3A §11.9: a spurious interrupt needs no end-of-interrupt.
arch::InterruptResult on_spurious(arch::InterruptFrame&) { return arch::InterruptResult::Handled; }

// Brought up on first need (a second thread, a sleep), so that a single-threaded program
// that never sleeps boots without measuring or programming the APIC. Once running,
// arch::lapic_ready() says so.
struct TimerSetup {
    bool tried = false;      // start_timer ran (successfully or not)
    bool preemption = false; // start_preemption ran
};
lib::Guarded<TimerSetup, arch::SpinLock>& timer_setup()
{
    static lib::Guarded<TimerSetup, arch::SpinLock> setup;
    return setup;
}

} // namespace

void set_signal_delivery(SignalDelivery deliver) { g_signal_delivery = deliver; }

arch::InterruptResult preemption_point(arch::InterruptFrame& frame, bool timer_fired)
{
    {
        auto state = lock_state();
        if (timer_fired)
            this_cpu().timer_armed_ns = 0; // it fired (one-shot)
        uint64_t now = arch::monotonic_ns();
        expire_timers_locked(*state, now);
        Thread& self = current();
        if (stopped_by_exit_locked(*state, self) && self.kernel_depth == 0)
            stop_current_locked(state); // the program has ended (exit_group on another CPU)
        bool slice_over = now - self.started_ns >= kTimeSliceNs;
        bool misplaced = !may_run_on(self, this_cpu().index); // sched_setaffinity moved it
        if (&self != this_cpu().idle && ((others_wait_locked(*state) && slice_over) || misplaced)) {
            if (self.kernel_depth > 0) {
                self.need_resched = true; // KernelSection switches when the kernel is left
            } else {
                requeue_current_locked(*state);
                switch_away_locked(state); // back here when this thread runs again
            }
        }
        rearm_timer_locked(*state, current());
    }
    // The thread resumes the program here: signals sent to it meanwhile run now, through
    // frames on its stack, even if it makes no more system calls.
    Thread& self = current();
    if (self.kernel_depth == 0 && !self.in_system_call_instruction && !self.interrupted_call.delivers_on_way_out
        && &self != this_cpu().idle && g_signal_delivery
        && (__atomic_load_n(&self.pending_signals, __ATOMIC_RELAXED) & ~self.signal_mask))
        g_signal_delivery(frame);
    return arch::InterruptResult::Handled;
}

void add_timer_locked(SchedulerState& state, TimerEvent& event, uint64_t deadline_ns)
{
    event.deadline_ns = deadline_ns;
    TimerEvent* later = state.timers.front();
    while (later && later->deadline_ns <= deadline_ns)
        later = state.timers.next(later);
    state.timers.insert_before(later, &event);
}

void cancel_timer_locked(SchedulerState& state, TimerEvent& event)
{
    if (event.node.linked())
        state.timers.remove(&event);
}

void expire_timers_locked(SchedulerState& state, uint64_t now_ns)
{
    while (TimerEvent* event = state.timers.front()) {
        if (event->deadline_ns > now_ns)
            return;
        state.timers.remove(event);
        event->fire(state, *event, now_ns);
    }
}

void rearm_timer_locked(SchedulerState& state, const Thread& running)
{
    if (!arch::lapic_ready())
        return;
    uint64_t deadline = UINT64_MAX;
    if (TimerEvent* first = state.timers.front())
        deadline = first->deadline_ns;
    bool others_wait = others_wait_locked(state) && &running != this_cpu().idle;
    if (others_wait && !running.need_resched && running.started_ns + kTimeSliceNs < deadline)
        deadline = running.started_ns + kTimeSliceNs;
    // Programming the timer costs an MMIO or MSR write (a VM exit under KVM), twice per
    // hand-off between two threads if done eagerly. So: a timer already set to fire no
    // later than needed stays (on_timer finds nothing due and re-arms for what is), and one
    // that is no longer needed is left to fire once rather than stopped.
    uint64_t& armed = this_cpu().timer_armed_ns;
    if (deadline == UINT64_MAX || (armed && armed <= deadline))
        return;
    armed = deadline;
    arch::lapic_arm_timer(deadline);
}

lib::Result<void> start_timer()
{
    auto setup = timer_setup().lock();
    if (arch::lapic_ready())
        return {};
    if (std::exchange(setup->tried, true))
        return lib::Error(lib::Errno::NODEV, "no APIC timer");
    uint64_t base = arch::lapic_physical_base();
    if (!base)
        return lib::Error(lib::Errno::NODEV, "the CPU has no local APIC");
    auto registers = TRY(mm::map_device_memory(base, mm::kPageSize));
    arch::set_interrupt_handler(arch::kLapicTimerVector, on_timer);
    arch::set_interrupt_handler(arch::kLapicSpuriousVector, on_spurious);
    arch::set_interrupt_handler(arch::kRescheduleVector, on_reschedule);
    const char* mode = arch::lapic_init(registers);
    klog::info(klog::Subsystem::Sched, "APIC timer on ({})", mode);
    return {};
}

void start_preemption()
{
    bool first = timer_setup().with([](TimerSetup& setup) { return !std::exchange(setup.preemption, true); });
    if (!first)
        return;
    if (auto started = start_timer(); started.is_error())
        klog::warn(klog::Subsystem::Sched, "threads run without preemption: {}", started.error().message);
    // From now on application code runs with interrupts enabled, so the timer can preempt
    // it. Kernel code disables them only where a lock needs it (arch::SpinLock).
    arch::enable_interrupts();
}

} // namespace sched
