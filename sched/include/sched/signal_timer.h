// Timers that send a signal when they expire (setitimer's ITIMER_REAL and alarm today;
// timer_create's timers later), on the scheduler's timer list. One-shot or periodic.
#pragma once

#include <sched/thread.h>

#include <cstdint>

namespace sched {

struct SignalTimer {
    TimerEvent event;
    int signal = 0;           // sent to the process when it expires
    uint64_t interval_ns = 0; // 0: one-shot; else it re-arms itself this far ahead
};

/// What a timer is set to: time left until it fires (0: disarmed) and its interval.
struct TimerSetting {
    uint64_t remaining_ns;
    uint64_t interval_ns;
};

/// setitimer(ITIMER_REAL) for the process: arms its SIGALRM timer to fire `delay_ns` from
/// now (0 disarms) and then every `interval_ns` (0: once). Returns the previous setting.
TimerSetting set_real_timer(uint64_t delay_ns, uint64_t interval_ns);
/// getitimer(ITIMER_REAL).
TimerSetting real_timer();

} // namespace sched
