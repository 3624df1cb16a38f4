// Pending signals of threads: posting them (kill, tgkill, timers), ending an interruptible
// wait they interrupt, and taking them for delivery (kernel/syscall/signal*.cpp decides
// what delivery means). Each pending signal keeps the SignalInfo of its sending; standard
// signals do not queue, so a second sending before delivery is merged into the first.
#include "scheduler_state.h"

#include <sched/scheduler.h>

#include <type_traits>

#include <kernel/arch/x86_64/lapic.h>

namespace sched {

namespace {

// Whether `thread` keeps signal `signal` when it is ignored: it blocks it, or did before
// a wait that takes it (Linux's blocked and real_blocked).
bool keeps_ignored(const Thread& thread, int signal)
{
    return (thread.signal_mask | thread.blocked_before_wait) & signal_bit(signal);
}

void post_signal_locked(SchedulerState& state, Thread& thread, int signal, const SignalInfo& info)
{
    if ((state.ignored_signals & signal_bit(signal)) && !keeps_ignored(thread, signal))
        return; // dropped: nothing would run for it, and no wait may end for it
    if (!(thread.pending_signals & signal_bit(signal)))
        thread.pending_info[signal - 1] = info;
    thread.pending_signals |= signal_bit(signal);
    if (thread.state == ThreadState::Blocked && thread.interruptible && !(thread.signal_mask & signal_bit(signal))) {
        leave_futex_queue_locked(state, thread);
        make_runnable_locked(state, thread, WakeReason::Interrupted);
        rearm_timer_locked(state, current());
        return;
    }
    // Running on another CPU: interrupt it, so that the signal runs now (preemption_point)
    // even if the thread makes no system call.
    Cpu* cpu = thread.cpu;
    bool running_elsewhere = cpu && cpu != &this_cpu() && cpu->current == &thread;
    if (running_elsewhere && !(thread.signal_mask & signal_bit(signal)))
        arch::lapic_send_ipi(uint8_t(cpu->apic_id), arch::kRescheduleVector);
}

} // namespace

Thread* find_thread_locked(SchedulerState& state, int tid)
{
    for (Thread* thread = state.threads.front(); thread; thread = state.threads.next(thread)) {
        if (thread->tid == tid)
            return thread;
    }
    return nullptr;
}

lib::Result<void> post_signal(int tid, int signal, const SignalInfo& info)
{
    auto state = lock_state();
    Thread* thread = find_thread_locked(*state, tid);
    if (!thread || thread->kernel_service) // the kernel's own threads take no program signal
        return lib::Error(lib::Errno::SRCH, "no such thread");
    post_signal_locked(*state, *thread, signal, info);
    return {};
}

bool post_thread_signal_locked(SchedulerState& state, int tid, int signal, const SignalInfo& info)
{
    Thread* thread = find_thread_locked(state, tid);
    if (thread)
        post_signal_locked(state, *thread, signal, info);
    return thread != nullptr;
}

void post_process_signal_locked(SchedulerState& state, int signal, const SignalInfo& info)
{
    Thread* target = &current();
    if (target == this_cpu().idle || target->kernel_service) { // a timer that fired meanwhile
        target = state.threads.front();
        while (target && target->kernel_service)
            target = state.threads.next(target);
        if (!target)
            return;
    }
    if (state.ignored_signals & signal_bit(signal)) {
        // Ignored: only a thread that keeps it may take it, one waiting for it (sigwaitinfo,
        // a signalfd read) first, else one that blocks it; with none, it is dropped.
        Thread* keeper = nullptr;
        for (Thread* thread = state.threads.front(); thread; thread = state.threads.next(thread)) {
            if (thread->kernel_service || !keeps_ignored(*thread, signal))
                continue;
            bool waits_for_it = !(thread->signal_mask & signal_bit(signal));
            if (!keeper || waits_for_it)
                keeper = thread;
            if (waits_for_it)
                break;
        }
        if (keeper)
            post_signal_locked(state, *keeper, signal, info);
        return;
    }
    for (Thread* thread = state.threads.front(); thread && (target->signal_mask & signal_bit(signal));
         thread = state.threads.next(thread)) {
        if (!(thread->signal_mask & signal_bit(signal)))
            target = thread;
    }
    if (target)
        post_signal_locked(state, *target, signal, info);
}

void post_process_signal(int signal, const SignalInfo& info)
{
    post_process_signal_locked(*lock_state(), signal, info);
}

// Under the lock: a sender sees the mask and the one from before change together.
MaskOpenedForWait::MaskOpenedForWait(uint64_t set) : m_saved(current().signal_mask)
{
    auto state = lock_state();
    Thread& self = current();
    self.blocked_before_wait = m_saved;
    self.signal_mask = m_saved & ~set;
}

MaskOpenedForWait::~MaskOpenedForWait()
{
    auto state = lock_state();
    Thread& self = current();
    self.signal_mask = m_saved;
    self.blocked_before_wait = 0;
}

bool ignored_by_default(int signal) { return kIgnoredByDefault & signal_bit(signal); }

void set_signal_ignored(int signal, bool ignored)
{
    auto state = lock_state();
    if (!ignored) {
        state->ignored_signals &= ~signal_bit(signal);
        return;
    }
    state->ignored_signals |= signal_bit(signal);
    for (Thread* thread = state->threads.front(); thread; thread = state->threads.next(thread))
        thread->pending_signals &= ~signal_bit(signal);
}

int take_pending_signal(SignalInfo* info) { return take_pending_signal_in(~current().signal_mask, info); }

int take_pending_signal_in(uint64_t set, SignalInfo* info)
{
    auto state = lock_state();
    Thread& self = current();
    uint64_t ready = self.pending_signals & set;
    if (!ready)
        return 0;
    int signal = __builtin_ctzll(ready) + 1;
    self.pending_signals &= ~signal_bit(signal);
    if (info)
        *info = self.pending_info[signal - 1];
    return signal;
}

bool thread_exists(int tid)
{
    auto state = lock_state();
    Thread* thread = find_thread_locked(*state, tid);
    return thread && !thread->kernel_service; // the kernel's own threads are not the program's
}

namespace {

/// Thread `tid` of the program (0: the caller) with the scheduler's lock held, or null
/// for none (a kernel service thread is not the program's).
Thread* program_thread_locked(SchedulerState& state, int tid)
{
    Thread* thread = tid ? find_thread_locked(state, tid) : &current();
    return thread && !thread->kernel_service ? thread : nullptr;
}

/// `change(Thread&)` on program thread `tid` under the lock; ESRCH when there is none.
template<typename Change> auto with_program_thread(int tid, Change change) -> lib::Result<decltype(change(current()))>
{
    auto state = lock_state();
    Thread* thread = program_thread_locked(*state, tid);
    if (!thread)
        return lib::Error(lib::Errno::SRCH, "no such thread");
    if constexpr (std::is_void_v<decltype(change(*thread))>) {
        change(*thread);
        return {};
    } else {
        return change(*thread);
    }
}

} // namespace

lib::Result<int> thread_nice(int tid)
{
    return with_program_thread(tid, [](Thread& thread) { return thread.nice; });
}

lib::Result<void> set_thread_nice(int tid, int nice)
{
    return with_program_thread(tid, [nice](Thread& thread) { thread.nice = nice; });
}

uint64_t time_slice_ns() { return kTimeSliceNs; }

lib::Result<SchedulingPolicy> thread_scheduling(int tid)
{
    return with_program_thread(tid, [](Thread& thread) { return thread.scheduling; });
}

lib::Result<void> set_thread_scheduling(int tid, const SchedulingPolicy& scheduling)
{
    return with_program_thread(tid, [&scheduling](Thread& thread) { thread.scheduling = scheduling; });
}

int lowest_program_nice()
{
    auto state = lock_state();
    int lowest = 19;
    for (Thread* thread = state->threads.front(); thread; thread = state->threads.next(thread))
        if (!thread->kernel_service && thread->nice < lowest)
            lowest = thread->nice;
    return lowest;
}

void set_program_nice(int nice)
{
    auto state = lock_state();
    for (Thread* thread = state->threads.front(); thread; thread = state->threads.next(thread))
        if (!thread->kernel_service)
            thread->nice = nice;
}

} // namespace sched
