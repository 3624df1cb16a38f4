// Signal timers (signal_timer.h): what happens when one expires, and the two families
// that use them. Their state is scheduler state: they fire under the scheduler lock.
#include "scheduler_state.h"

#include <sched/scheduler.h>
#include <sched/signal_timer.h>

#include <kernel/arch/x86_64/tsc.h>

namespace sched {

namespace {

constexpr int kSigalrm = 14;
constexpr int32_t kSiTimer = -2, kSiKernel = 0x80; // asm-generic/siginfo.h

SignalTimer& timer_of(TimerEvent& event)
{
    auto offset = reinterpret_cast<uintptr_t>(&static_cast<SignalTimer*>(nullptr)->event);
    return *reinterpret_cast<SignalTimer*>(reinterpret_cast<uintptr_t>(&event) - offset);
}

// Expired: its signal, and the next period if it has one. Missed periods are skipped and
// counted as overruns, as Linux does, instead of firing them all.
void fire(SchedulerState& state, TimerEvent& event, uint64_t now_ns)
{
    SignalTimer& timer = timer_of(event);
    uint64_t missed = 0;
    if (timer.interval_ns && now_ns > event.deadline_ns)
        missed = (now_ns - event.deadline_ns) / timer.interval_ns;
    timer.overruns = uint32_t(missed > INT32_MAX ? INT32_MAX : missed);
    if (timer.signal) {
        SignalInfo info { timer.id < 0 ? kSiKernel : kSiTimer, timer.id < 0 ? 0 : timer.id, int32_t(timer.overruns),
            timer.value };
        if (!timer.target_tid || !post_thread_signal_locked(state, timer.target_tid, timer.signal, info))
            post_process_signal_locked(state, timer.signal, info);
    }
    if (timer.interval_ns)
        add_timer_locked(state, event, event.deadline_ns + (missed + 1) * timer.interval_ns);
}

TimerSetting setting_of(const SignalTimer& timer, uint64_t now_ns)
{
    if (!timer.event.node.linked())
        return { 0, timer.interval_ns };
    uint64_t left = timer.event.deadline_ns > now_ns ? timer.event.deadline_ns - now_ns : 1;
    return { left, timer.interval_ns };
}

TimerSetting set_locked(SchedulerState& state, SignalTimer& timer, uint64_t delay_ns, uint64_t interval_ns)
{
    uint64_t now = arch::monotonic_ns();
    TimerSetting previous = setting_of(timer, now);
    cancel_timer_locked(state, timer.event);
    timer.interval_ns = delay_ns ? interval_ns : 0;
    timer.overruns = 0;
    timer.event.fire = fire;
    if (delay_ns)
        add_timer_locked(state, timer.event, now + delay_ns);
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
    return setting_of(state->real_timer, arch::monotonic_ns());
}

lib::Result<int> create_posix_timer(TimerClock clock, int signal, int target_tid, uint64_t value, TimerValue kind)
{
    auto* timer = new SignalTimer;
    if (!timer)
        return lib::Error(lib::Errno::NOMEM, "no memory for a timer");
    *timer = SignalTimer { {}, clock, -1, signal, target_tid, value, 0, 0 };
    timer->event.fire = fire;
    {
        auto state = lock_state();
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
    return setting_of(*timer, arch::monotonic_ns());
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
