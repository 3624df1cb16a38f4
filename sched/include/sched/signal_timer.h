// Timers that send a signal when they expire: the process's ITIMER_REAL (setitimer, alarm)
// and POSIX timers (timer_create), on the scheduler's timer list. One-shot or periodic.
#pragma once

#include <sched/thread.h>

#include <lib/result.h>

#include <cstdint>

namespace sched {

/// The clock a POSIX timer's absolute times are on (its deadline is always monotonic).
enum class TimerClock : uint8_t { Monotonic, Realtime };

struct SignalTimer {
    TimerEvent event;
    TimerClock clock = TimerClock::Monotonic;
    int id = -1;              // timer_create's id; -1 for ITIMER_REAL
    int signal = 0;           // sent when it expires (0: SIGEV_NONE, nothing is sent)
    int target_tid = 0;       // SIGEV_THREAD_ID's thread; 0: the process
    uint64_t value = 0;       // sigev_value, given to the handler as si_value
    uint64_t interval_ns = 0; // 0: one-shot; else it re-arms itself this far ahead
    uint32_t overruns = 0;    // periods missed before its last expiry (timer_getoverrun)
};

/// What a timer is set to: time left until it fires (0: disarmed) and its interval.
struct TimerSetting {
    uint64_t remaining_ns;
    uint64_t interval_ns;
};

/// Most POSIX timers at once (Linux bounds them by RLIMIT_SIGPENDING).
constexpr int kMaxPosixTimers = 256;

/// setitimer(ITIMER_REAL) for the process: arms its SIGALRM timer to fire `delay_ns` from
/// now (0 disarms) and then every `interval_ns` (0: once). Returns the previous setting.
TimerSetting set_real_timer(uint64_t delay_ns, uint64_t interval_ns);
/// getitimer(ITIMER_REAL).
TimerSetting real_timer();

/// Whether a new timer's si_value is the one given, or its own id (timer_create with a
/// NULL sigevent).
enum class TimerValue : uint8_t { Given, TimerId };

/// timer_create: a disarmed timer on `clock` that will send `signal` (0: none) with `value`
/// to thread `target_tid` (0: the process). Returns its id. EAGAIN past kMaxPosixTimers,
/// ENOMEM.
lib::Result<int> create_posix_timer(TimerClock clock, int signal, int target_tid, uint64_t value, TimerValue kind);
/// The clock timer `id` was created on (for timer_settime's TIMER_ABSTIME). EINVAL.
lib::Result<TimerClock> posix_timer_clock(int id);
/// timer_settime (relative; the caller converts absolute times): returns the old setting.
/// EINVAL for an unknown id.
lib::Result<TimerSetting> set_posix_timer(int id, uint64_t delay_ns, uint64_t interval_ns);
/// timer_gettime.
lib::Result<TimerSetting> posix_timer(int id);
/// timer_getoverrun.
lib::Result<int> posix_timer_overruns(int id);
/// timer_delete: disarms and frees it.
lib::Result<void> delete_posix_timer(int id);

} // namespace sched
