// Timers that send a signal when they expire: the process's interval timers (setitimer:
// ITIMER_REAL, alarm; ITIMER_VIRTUAL and ITIMER_PROF on its CPU time) and POSIX timers
// (timer_create, on the wall clocks or a CPU-time clock), on the scheduler's timer list.
// One-shot or periodic.
//
// A timer on a CPU-time clock expires when that clock (the process's CPU time, or one
// thread's) reaches its deadline. CPU time advances at most as fast as the wall clock on
// each CPU that runs the process, so its event on the timer list is a check, armed where
// the deadline could be reached at the soonest (time left / CPUs that may run it, a
// thread's: / 1): never late, and when the threads slept meanwhile the check just looks
// again that much later.
#pragma once

#include <sched/thread.h>

#include <lib/result.h>

#include <cstdint>

namespace sched {

/// The clock a timer counts on. A wall-clock timer's event deadline is monotonic (Realtime:
/// its absolute times are converted); a CPU-time one's is a check (above).
enum class TimerClock : uint8_t { Monotonic, Realtime, ProcessCpu, ThreadCpu };

constexpr bool is_cpu_clock(TimerClock clock)
{
    return clock == TimerClock::ProcessCpu || clock == TimerClock::ThreadCpu;
}

struct SignalTimer {
    TimerEvent event;
    TimerClock clock = TimerClock::Monotonic;
    int id = -1;                  // timer_create's id; -1 for ITIMER_REAL
    int signal = 0;               // sent when it expires (0: SIGEV_NONE, nothing is sent)
    int target_tid = 0;           // SIGEV_THREAD_ID's thread; 0: the process
    uint64_t value = 0;           // sigev_value, given to the handler as si_value
    uint64_t interval_ns = 0;     // 0: one-shot; else it re-arms itself this far ahead
    uint32_t overruns = 0;        // periods missed before its last expiry (timer_getoverrun)
    uint64_t cpu_deadline_ns = 0; // a CPU-time timer's deadline on its clock
    int clock_tid = 0;            // ThreadCpu: the thread whose CPU time counts
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

/// The process's CPU-time interval timers. Osprey does not tell user from system time
/// (its system calls are calls), so both count all of the process's CPU time.
enum class CpuTimer : uint8_t { Virtual, Prof }; // SIGVTALRM, SIGPROF
/// setitimer(ITIMER_VIRTUAL or ITIMER_PROF): `delay_ns` of the process's CPU time from now
/// (0 disarms), then every `interval_ns`. Returns the previous setting.
TimerSetting set_cpu_timer(CpuTimer which, uint64_t delay_ns, uint64_t interval_ns);
/// getitimer(ITIMER_VIRTUAL or ITIMER_PROF).
TimerSetting cpu_timer(CpuTimer which);

/// Whether a new timer's si_value is the one given, or its own id (timer_create with a
/// NULL sigevent).
enum class TimerValue : uint8_t { Given, TimerId };

/// timer_create: a disarmed timer on `clock` that will send `signal` (0: none) with `value`
/// to thread `target_tid` (0: the process). Returns its id. EAGAIN past kMaxPosixTimers,
/// ENOMEM. On ThreadCpu it counts the calling thread's CPU time.
lib::Result<int> create_posix_timer(TimerClock clock, int signal, int target_tid, uint64_t value, TimerValue kind);
/// The clock timer `id` was created on (for timer_settime's TIMER_ABSTIME). EINVAL.
lib::Result<TimerClock> posix_timer_clock(int id);
/// timer_settime (relative; the caller converts absolute times, with clock_now_ns for a
/// CPU-time clock): returns the old setting. EINVAL for an unknown id.
lib::Result<TimerSetting> set_posix_timer(int id, uint64_t delay_ns, uint64_t interval_ns);
/// timer_gettime.
lib::Result<TimerSetting> posix_timer(int id);
/// Where timer `id`'s clock is now (ns): for a CPU-time clock, the CPU time it counts.
lib::Result<uint64_t> posix_timer_clock_ns(int id);
/// timer_getoverrun.
lib::Result<int> posix_timer_overruns(int id);
/// timer_delete: disarms and frees it.
lib::Result<void> delete_posix_timer(int id);

} // namespace sched
