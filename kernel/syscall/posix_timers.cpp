// POSIX timers: timer_create, timer_settime, timer_gettime, timer_getoverrun, timer_delete
// (timer_create(2)), on the scheduler's signal timers (sched/signal_timer.h). Clocks:
// CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME (and their _ALARM forms), and the CPU-time
// clocks CLOCK_PROCESS_CPUTIME_ID and CLOCK_THREAD_CPUTIME_ID (the calling thread's; other
// processes' and threads' clock ids are refused). Notifications: SIGEV_SIGNAL, SIGEV_NONE,
// SIGEV_THREAD_ID (what musl's SIGEV_THREAD uses underneath, with its helper thread).
#include <kernel/arch/x86_64/tsc.h>
#include <kernel/syscall/syscall.h>
#include <kernel/syscall/syscall_util.h>
#include <kernel/core/wall_clock.h>
#include <sched/scheduler.h>
#include <sched/signal_timer.h>

namespace sys {

namespace {

// struct sigevent as the kernel reads it (asm-generic/siginfo.h).
struct KernelSigevent {
    uint64_t value;
    int32_t signo;
    int32_t notify;
    int32_t thread_id; // SIGEV_THREAD_ID
    int32_t pad[11];
};
static_assert(sizeof(KernelSigevent) == 64);

constexpr int kSigevSignal = 0, kSigevNone = 1, kSigevThreadId = 4;
constexpr int kTimerAbstime = 1;
constexpr int kSigalrm = 14;
constexpr int kClockRealtimeAlarm = 8, kClockBoottimeAlarm = 9;

lib::Result<sched::TimerClock> timer_clock(int clock)
{
    switch (clock) {
    case abi::kClockRealtime:
    case kClockRealtimeAlarm: return sched::TimerClock::Realtime;
    case abi::kClockMonotonic:
    case abi::kClockBoottime:
    case kClockBoottimeAlarm: return sched::TimerClock::Monotonic;
    case abi::kClockProcessCputimeId: return sched::TimerClock::ProcessCpu;
    case abi::kClockThreadCputimeId: return sched::TimerClock::ThreadCpu;
    }
    return lib::Error(lib::Errno::INVAL, "unknown clock");
}

abi::Timespec timespec_of(uint64_t ns) { return { int64_t(ns / kNanosPerSecond), int64_t(ns % kNanosPerSecond) }; }

abi::Itimerspec itimerspec_of(sched::TimerSetting setting)
{
    return { timespec_of(setting.interval_ns), timespec_of(setting.remaining_ns) };
}

} // namespace

SysResult timer_create(int clock, const void* event, int* id_out)
{
    auto on_clock = TRY(timer_clock(clock));
    TRY(check_user_range(id_out, sizeof(*id_out), UserAccess::Write));
    KernelSigevent wanted { 0, kSigalrm, kSigevSignal, 0, {} };
    if (event) {
        TRY(check_user_range(event, sizeof(wanted)));
        wanted = *static_cast<const KernelSigevent*>(event);
    }
    int signal = wanted.signo, target = 0;
    switch (wanted.notify) {
    case kSigevNone: signal = 0; break;
    case kSigevSignal: break;
    case kSigevThreadId:
        if (!sched::thread_exists(wanted.thread_id))
            return lib::Error(lib::Errno::INVAL, "SIGEV_THREAD_ID names no thread");
        target = wanted.thread_id;
        break;
    default: return lib::Error(lib::Errno::INVAL, "unsupported sigev_notify");
    }
    if (signal < 0 || signal > abi::kSignalCount || (wanted.notify != kSigevNone && signal == 0))
        return lib::Error(lib::Errno::INVAL, "bad timer signal");
    // A NULL sigevent: sigev_value.sival_int is the timer id (timer_create(2)).
    auto kind = event ? sched::TimerValue::Given : sched::TimerValue::TimerId;
    *id_out = TRY(sched::create_posix_timer(on_clock, signal, target, wanted.value, kind));
    return 0;
}

SysResult timer_settime(int id, int flags, const abi::Itimerspec* value, abi::Itimerspec* old)
{
    if (old)
        TRY(check_user_range(old, sizeof(*old), UserAccess::Write));
    auto when = uint64_t(TRY(read_timespec(&value->it_value)));
    auto interval = uint64_t(TRY(read_timespec(&value->it_interval)));
    if (when && (flags & kTimerAbstime)) {
        auto clock = TRY(sched::posix_timer_clock(id));
        auto now = clock == sched::TimerClock::Realtime ? uint64_t(core::realtime_ns())
            : sched::is_cpu_clock(clock)                ? TRY(sched::posix_timer_clock_ns(id))
                                                        : arch::monotonic_ns();
        when = when > now ? when - now : 1; // already past: expire at once
    }
    auto previous = TRY(sched::set_posix_timer(id, when, interval));
    if (old)
        *old = itimerspec_of(previous);
    return 0;
}

SysResult timer_gettime(int id, abi::Itimerspec* value)
{
    TRY(check_user_range(value, sizeof(*value), UserAccess::Write));
    *value = itimerspec_of(TRY(sched::posix_timer(id)));
    return 0;
}

SysResult timer_getoverrun(int id) { return long(TRY(sched::posix_timer_overruns(id))); }

SysResult timer_delete(int id)
{
    TRY(sched::delete_posix_timer(id));
    return 0;
}

} // namespace sys
