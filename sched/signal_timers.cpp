// Signal timers (signal_timer.h): what happens when one expires, and the two families
// that use them. Their state is scheduler state: they fire under the scheduler lock.
#include "scheduler_state.h"

#include <sched/scheduler.h>
#include <sched/signal_timer.h>

#include <kernel/arch/x86_64/tsc.h>
#include <lib/owner_of.h>

#include <optional>

namespace sched {

namespace {

constexpr int kSigalrm = 14, kSigvtalrm = 26, kSigprof = 27;
constexpr int32_t kSiTimer = -2, kSiKernel = 0x80; // asm-generic/siginfo.h
// The soonest a CPU-time timer's check comes again: CPU time is counted per run, so a
// check much finer than this would only find the same run counted up to now. While no
// thread it counts is running, its clock stands still: checks then come no more often
// than kIdleCheckNs (Linux looks at CPU timers on its tick, 4 ms at HZ=250), so a timer
// with little left does not wake a sleeping VM thousands of times a second.
constexpr uint64_t kMinCheckNs = 50'000, kIdleCheckNs = 4'000'000;

SignalTimer& timer_of(TimerEvent& event) { return lib::owner_of<&SignalTimer::event>(event); }

/// A program thread running now on some CPU that does not block the signals of
/// `blocked_mask` (0: any): a process CPU-time timer's signal goes to it, the thread whose
/// time made it expire, as Linux's tick-time check finds it (a profiler's SIGPROF must
/// sample a busy stack, not an idle one). Null when none runs.
Thread* running_program_thread(SchedulerState& state, uint64_t blocked_mask)
{
    for (Thread* thread = state.threads.front(); thread; thread = state.threads.next(thread))
        if (!thread->kernel_service && is_running(*thread) && !(thread->signal_mask & blocked_mask))
            return thread;
    return nullptr;
}

/// Expired `missed` periods late: counts them as overruns (Linux skips them instead of
/// firing them all) and sends the signal.
void expire(SchedulerState& state, SignalTimer& timer, uint64_t missed)
{
    timer.overruns = uint32_t(missed > INT32_MAX ? INT32_MAX : missed);
    if (!timer.signal)
        return;
    SignalInfo info { timer.id < 0 ? kSiKernel : kSiTimer, timer.id < 0 ? 0 : timer.id, int32_t(timer.overruns),
        timer.value };
    if (timer.target_tid && post_thread_signal_locked(state, timer.target_tid, timer.signal, info))
        return;
    if (timer.clock == TimerClock::ProcessCpu && !timer.target_tid) {
        Thread* busy = running_program_thread(state, signal_bit(timer.signal));
        if (busy && post_thread_signal_locked(state, busy->tid, timer.signal, info))
            return;
    }
    post_process_signal_locked(state, timer.signal, info);
}

// A wall-clock timer expired: its signal, and the next period if it has one.
void fire(SchedulerState& state, TimerEvent& event, uint64_t now_ns)
{
    SignalTimer& timer = timer_of(event);
    uint64_t missed = 0;
    if (timer.interval_ns && now_ns > event.deadline_ns)
        missed = (now_ns - event.deadline_ns) / timer.interval_ns;
    expire(state, timer, missed);
    if (timer.interval_ns)
        add_timer_locked(state, event, event.deadline_ns + (missed + 1) * timer.interval_ns);
}

/// Where a CPU-time timer's clock is now; nullopt once the thread whose time it counts is gone.
std::optional<uint64_t> cpu_clock_locked(SchedulerState& state, const SignalTimer& timer, uint64_t now_ns)
{
    if (timer.clock == TimerClock::ProcessCpu)
        return process_cpu_locked(state, now_ns);
    Thread* thread = find_thread_locked(state, timer.clock_tid);
    if (!thread)
        return std::nullopt;
    return thread_cpu_locked(*thread, now_ns);
}

/// Whether a thread whose CPU time `timer` counts is running now.
bool clock_running_locked(SchedulerState& state, const SignalTimer& timer)
{
    if (timer.clock == TimerClock::ThreadCpu) {
        Thread* thread = find_thread_locked(state, timer.clock_tid);
        return thread && is_running(*thread);
    }
    return running_program_thread(state, 0) != nullptr;
}

/// When a CPU-time timer `left_ns` short of its deadline is to be looked at again: the
/// soonest its clock could get there, each CPU running threads adding a ns per ns (a
/// thread's clock: one), but not sooner than the floors above. CPUs that join later can
/// make it up to that many times late.
uint64_t check_after(SchedulerState& state, const SignalTimer& timer, uint64_t left_ns)
{
    uint64_t cpus = timer.clock == TimerClock::ProcessCpu && state.cpu_count > 1 ? state.cpu_count : 1;
    uint64_t floor = clock_running_locked(state, timer) ? kMinCheckNs : kIdleCheckNs;
    return left_ns / cpus > floor ? left_ns / cpus : floor;
}

// A CPU-time timer's check: expired if its clock has reached the deadline, else looked at
// again later. A timer whose thread has ended stays disarmed.
void check_cpu_timer(SchedulerState& state, TimerEvent& event, uint64_t now_ns)
{
    SignalTimer& timer = timer_of(event);
    auto clock = cpu_clock_locked(state, timer, now_ns);
    if (!clock)
        return;
    if (*clock >= timer.cpu_deadline_ns) {
        uint64_t missed = timer.interval_ns ? (*clock - timer.cpu_deadline_ns) / timer.interval_ns : 0;
        expire(state, timer, missed);
        if (!timer.interval_ns)
            return;
        timer.cpu_deadline_ns += (missed + 1) * timer.interval_ns;
    }
    add_timer_locked(state, event, now_ns + check_after(state, timer, timer.cpu_deadline_ns - *clock));
}

TimerSetting setting_of(SchedulerState& state, const SignalTimer& timer, uint64_t now_ns)
{
    if (!timer.event.node.linked())
        return { 0, timer.interval_ns };
    if (is_cpu_clock(timer.clock)) {
        auto clock = cpu_clock_locked(state, timer, now_ns);
        if (!clock) // its thread has ended: it can never fire
            return { 0, timer.interval_ns };
        uint64_t left = timer.cpu_deadline_ns > *clock ? timer.cpu_deadline_ns - *clock : 1;
        return { left, timer.interval_ns };
    }
    uint64_t left = timer.event.deadline_ns > now_ns ? timer.event.deadline_ns - now_ns : 1;
    return { left, timer.interval_ns };
}

TimerSetting set_locked(SchedulerState& state, SignalTimer& timer, uint64_t delay_ns, uint64_t interval_ns)
{
    uint64_t now = arch::monotonic_ns();
    TimerSetting previous = setting_of(state, timer, now);
    cancel_timer_locked(state, timer.event);
    timer.interval_ns = delay_ns ? interval_ns : 0;
    timer.overruns = 0;
    timer.event.fire = is_cpu_clock(timer.clock) ? check_cpu_timer : fire;
    if (delay_ns && is_cpu_clock(timer.clock)) {
        auto clock = cpu_clock_locked(state, timer, now);
        if (clock) {
            timer.cpu_deadline_ns = *clock + delay_ns;
            add_timer_locked(state, timer.event, now + check_after(state, timer, delay_ns));
        }
    } else if (delay_ns) {
        add_timer_locked(state, timer.event, now + delay_ns);
    }
    rearm_timer_locked(state, current());
    return previous;
}

lib::Result<SignalTimer*> find_locked(SchedulerState& state, int id)
{
    if (id < 0 || id >= kMaxPosixTimers || !state.posix_timers[id])
        return lib::Error(lib::Errno::INVAL, "no such timer");
    return state.posix_timers[id];
}

} // namespace

TimerSetting set_real_timer(uint64_t delay_ns, uint64_t interval_ns)
{
    if (delay_ns) // the signal must reach a program that makes no system call meanwhile
        start_preemption();
    auto state = lock_state();
    state->real_timer.signal = kSigalrm;
    return set_locked(*state, state->real_timer, delay_ns, interval_ns);
}

TimerSetting real_timer()
{
    auto state = lock_state();
    return setting_of(*state, state->real_timer, arch::monotonic_ns());
}

TimerSetting set_cpu_timer(CpuTimer which, uint64_t delay_ns, uint64_t interval_ns)
{
    if (delay_ns) // as set_real_timer
        start_preemption();
    auto state = lock_state();
    SignalTimer& timer = state->cpu_timers[int(which)];
    timer.clock = TimerClock::ProcessCpu;
    timer.signal = which == CpuTimer::Virtual ? kSigvtalrm : kSigprof;
    return set_locked(*state, timer, delay_ns, interval_ns);
}

TimerSetting cpu_timer(CpuTimer which)
{
    auto state = lock_state();
    return setting_of(*state, state->cpu_timers[int(which)], arch::monotonic_ns());
}

lib::Result<int> create_posix_timer(TimerClock clock, int signal, int target_tid, uint64_t value, TimerValue kind)
{
    auto* timer = new SignalTimer;
    if (!timer)
        return lib::Error(lib::Errno::NOMEM, "no memory for a timer");
    *timer = SignalTimer { {}, clock, -1, signal, target_tid, value, 0, 0, 0, 0 };
    timer->event.fire = fire;
    {
        auto state = lock_state();
        if (clock == TimerClock::ThreadCpu)
            timer->clock_tid = current().tid;
        for (int id = 0; id < kMaxPosixTimers; ++id) {
            if (!state->posix_timers[id]) {
                timer->id = id;
                if (kind == TimerValue::TimerId)
                    timer->value = uint64_t(id);
                state->posix_timers[id] = timer;
                return id;
            }
        }
    }
    delete timer; // not under the scheduler lock: freeing may unmap memory
    return lib::Error(lib::Errno::AGAIN, "too many timers");
}

lib::Result<TimerSetting> set_posix_timer(int id, uint64_t delay_ns, uint64_t interval_ns)
{
    if (delay_ns) // as set_real_timer
        start_preemption();
    auto state = lock_state();
    SignalTimer* timer = TRY(find_locked(*state, id));
    return set_locked(*state, *timer, delay_ns, interval_ns);
}

lib::Result<TimerSetting> posix_timer(int id)
{
    auto state = lock_state();
    SignalTimer* timer = TRY(find_locked(*state, id));
    return setting_of(*state, *timer, arch::monotonic_ns());
}

lib::Result<uint64_t> posix_timer_clock_ns(int id)
{
    auto state = lock_state();
    SignalTimer* timer = TRY(find_locked(*state, id));
    uint64_t now = arch::monotonic_ns();
    if (!is_cpu_clock(timer->clock))
        return now;
    auto clock = cpu_clock_locked(*state, *timer, now);
    if (!clock)
        return lib::Error(lib::Errno::INVAL, "the timer's thread has ended");
    return *clock;
}

lib::Result<TimerClock> posix_timer_clock(int id)
{
    auto state = lock_state();
    SignalTimer* timer = TRY(find_locked(*state, id));
    return timer->clock;
}

lib::Result<int> posix_timer_overruns(int id)
{
    auto state = lock_state();
    SignalTimer* timer = TRY(find_locked(*state, id));
    return int(timer->overruns);
}

lib::Result<void> delete_posix_timer(int id)
{
    SignalTimer* timer;
    {
        auto state = lock_state();
        timer = TRY(find_locked(*state, id));
        cancel_timer_locked(*state, timer->event);
        state->posix_timers[id] = nullptr;
    }
    delete timer;
    return {};
}

} // namespace sched
