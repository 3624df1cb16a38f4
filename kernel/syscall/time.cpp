// Clocks and sleeping. CLOCK_MONOTONIC (and its RAW/COARSE/BOOTTIME variants) is the TSC
// clock of kernel/arch/x86_64/tsc.h; CLOCK_REALTIME adds the wall time read from the RTC
// at boot (wall_clock.h). The CPU-time clocks report the time the thread, or all threads
// of the program, ran (sched::thread_cpu_ns, process_cpu_ns): with two busy threads the
// process clock runs twice as fast as the wall, with all of them asleep it stands still.
//
// adjtimex and clock_adjtime answer what Linux answers about a clock no NTP daemon
// disciplines, and refuse to change it (EPERM): the VM's time is the host's.
//
// Sleeping blocks the thread on the scheduler's timer list (sched::sleep_until): other
// threads run, an idle CPU halts until the APIC timer fires. A signal for the thread ends
// the sleep with EINTR and the time left.
#include <kernel/arch/x86_64/tsc.h>
#include <kernel/syscall/clock_read.h>
#include <kernel/syscall/syscall.h>
#include <kernel/syscall/syscall_util.h>
#include <kernel/core/wall_clock.h>
#include <sched/scheduler.h>
#include <sched/signal_timer.h>

namespace sys {

namespace {

int64_t now_ns(ClockKind kind)
{
    switch (kind) {
    case ClockKind::Realtime: return core::realtime_ns();
    case ClockKind::ProcessCpu: return int64_t(sched::process_cpu_ns());
    case ClockKind::ThreadCpu: return int64_t(sched::thread_cpu_ns());
    case ClockKind::Monotonic: break;
    }
    return int64_t(arch::monotonic_ns());
}

/// The monotonic instant at which clock `kind` reads `ns`.
uint64_t monotonic_deadline(ClockKind kind, int64_t ns)
{
    int64_t offset = kind == ClockKind::Realtime ? core::realtime_ns() - int64_t(arch::monotonic_ns()) : 0;
    int64_t deadline = ns - offset;
    return deadline > 0 ? uint64_t(deadline) : 1;
}

} // namespace

lib::Result<int64_t> read_timespec(const abi::Timespec* ts)
{
    TRY(check_user_range(ts, sizeof(*ts)));
    if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= kNanosPerSecond)
        return lib::Error(lib::Errno::INVAL, "bad timespec");
    constexpr int64_t kMaxSeconds = INT64_MAX / kNanosPerSecond - 1;
    int64_t seconds = ts->tv_sec < kMaxSeconds ? ts->tv_sec : kMaxSeconds;
    return seconds * kNanosPerSecond + ts->tv_nsec;
}

SysResult clock_gettime(int clock, abi::Timespec* ts)
{
    auto kind = TRY(clock_kind(clock));
    TRY(check_user_range(ts, sizeof(*ts), UserAccess::Write));
    *ts = to_timespec(now_ns(kind));
    return 0;
}

SysResult getrusage(int who, abi::Rusage* usage)
{
    if (who != abi::kRusageSelf && who != abi::kRusageChildren && who != abi::kRusageThread)
        return lib::Error(lib::Errno::INVAL, "bad getrusage who");
    TRY(check_user_range(usage, sizeof(*usage), UserAccess::Write));
    uint64_t ns = who == abi::kRusageSelf ? sched::process_cpu_ns()
        : who == abi::kRusageThread       ? sched::thread_cpu_ns()
                                          : 0;
    *usage = {};
    usage->ru_utime = { int64_t(ns / kNanosPerSecond), int64_t(ns % kNanosPerSecond / 1000) };
    return 0;
}

SysResult times(abi::Tms* buffer)
{
    constexpr uint64_t kNanosPerTick = kNanosPerSecond / 100; // sysconf(_SC_CLK_TCK)
    if (buffer) {
        TRY(check_user_range(buffer, sizeof(*buffer), UserAccess::Write));
        *buffer = { int64_t(sched::process_cpu_ns() / kNanosPerTick), 0, 0, 0 };
    }
    return long(arch::monotonic_ns() / kNanosPerTick);
}

SysResult clock_getres(int clock, abi::Timespec* ts)
{
    TRY(clock_kind(clock));
    if (ts) {
        TRY(check_user_range(ts, sizeof(*ts), UserAccess::Write));
        *ts = { 0, 1 }; // the TSC clocks resolve nanoseconds, as Linux's high-resolution clocks report
    }
    return 0;
}

SysResult clock_adjtime(int clock, abi::Timex* request)
{
    TRY(clock_kind(clock)); // EINVAL for a clock that does not exist
    if (clock != abi::kClockRealtime)
        return lib::Error(lib::Errno::NOTSUP, "only CLOCK_REALTIME is adjusted");
    TRY(check_user_range(request, sizeof(*request), UserAccess::Write));
    uint32_t modes = request->modes;
    if (modes & abi::kAdjAdjtime) { // adjtime(3)'s modes: only its read-only form is allowed
        if (!(modes & abi::kAdjOffsetSingleshot))
            return lib::Error(lib::Errno::INVAL, "adjtime mode without its offset");
        if (!(modes & abi::kAdjOffsetReadOnly))
            return lib::Error(lib::Errno::PERM, "the VM's clock follows the host's");
    } else if (modes) {
        return lib::Error(lib::Errno::PERM, "the VM's clock follows the host's");
    }
    // What a Linux that no NTP daemon disciplines reports: unsynchronised, the largest
    // error, the default time constant, 1 us precision, 500 ppm tolerance, a 100 Hz tick.
    auto now = to_timespec(core::realtime_ns());
    *request = {};
    request->modes = modes;
    request->maxerror = request->esterror = 16'000'000; // NTP_PHASE_LIMIT, microseconds
    request->status = abi::kStaUnsync;
    request->constant = 2;
    request->precision = 1;
    request->tolerance = 500 << 16; // MAXFREQ, scaled ppm
    request->time = { now.tv_sec, now.tv_nsec / 1000 };
    request->tick = 10'000;
    return abi::kTimeError;
}

SysResult adjtimex(abi::Timex* request) { return clock_adjtime(abi::kClockRealtime, request); }

SysResult gettimeofday(abi::Timeval* tv, void* timezone)
{
    if (tv) {
        TRY(check_user_range(tv, sizeof(*tv), UserAccess::Write));
        auto ts = to_timespec(core::realtime_ns());
        *tv = { ts.tv_sec, ts.tv_nsec / 1000 };
    }
    if (timezone) {
        TRY(check_user_range(timezone, 2 * sizeof(int), UserAccess::Write));
        static_cast<int*>(timezone)[0] = 0; // tz_minuteswest: UTC
        static_cast<int*>(timezone)[1] = 0; // tz_dsttime
    }
    return 0;
}

SysResult time(int64_t* t)
{
    int64_t seconds = to_timespec(core::realtime_ns()).tv_sec;
    if (t) {
        TRY(check_user_range(t, sizeof(*t), UserAccess::Write));
        *t = seconds;
    }
    return seconds;
}

namespace {

abi::Timeval to_timeval(uint64_t ns) { return { int64_t(ns / 1'000'000'000), int64_t(ns % 1'000'000'000 / 1000) }; }

lib::Result<uint64_t> from_timeval(const abi::Timeval& tv)
{
    if (tv.tv_sec < 0 || tv.tv_usec < 0 || tv.tv_usec >= 1'000'000)
        return lib::Error(lib::Errno::INVAL, "bad timeval");
    constexpr int64_t kMaxSeconds = INT64_MAX / kNanosPerSecond - 1;
    return uint64_t(tv.tv_sec < kMaxSeconds ? tv.tv_sec : kMaxSeconds) * kNanosPerSecond + uint64_t(tv.tv_usec) * 1000;
}

lib::Result<void> check_which(int which)
{
    if (which == abi::kItimerReal || which == abi::kItimerVirtual || which == abi::kItimerProf)
        return {};
    return lib::Error(lib::Errno::INVAL, "unknown interval timer");
}

sched::CpuTimer cpu_timer_of(int which)
{
    return which == abi::kItimerVirtual ? sched::CpuTimer::Virtual : sched::CpuTimer::Prof;
}

/// Arms interval timer `which` (ITIMER_REAL on the wall clock; ITIMER_VIRTUAL and
/// ITIMER_PROF on the process's CPU time, sched/signal_timer.h). Returns the old setting.
sched::TimerSetting set_interval_timer(int which, uint64_t delay_ns, uint64_t interval_ns)
{
    if (which == abi::kItimerReal)
        return sched::set_real_timer(delay_ns, interval_ns);
    return sched::set_cpu_timer(cpu_timer_of(which), delay_ns, interval_ns);
}

sched::TimerSetting interval_timer(int which)
{
    return which == abi::kItimerReal ? sched::real_timer() : sched::cpu_timer(cpu_timer_of(which));
}

abi::Itimerval to_itimerval(sched::TimerSetting setting)
{
    return { to_timeval(setting.interval_ns), to_timeval(setting.remaining_ns) };
}

} // namespace

SysResult setitimer(int which, const abi::Itimerval* value, abi::Itimerval* old)
{
    TRY(check_which(which));
    if (old)
        TRY(check_user_range(old, sizeof(*old), UserAccess::Write));
    sched::TimerSetting previous;
    if (value) {
        TRY(check_user_range(value, sizeof(*value)));
        uint64_t delay = TRY(from_timeval(value->it_value));
        uint64_t interval = TRY(from_timeval(value->it_interval));
        previous = set_interval_timer(which, delay, interval);
    } else {
        previous = interval_timer(which);
    }
    if (old)
        *old = to_itimerval(previous);
    return 0;
}

SysResult getitimer(int which, abi::Itimerval* value)
{
    TRY(check_which(which));
    TRY(check_user_range(value, sizeof(*value), UserAccess::Write));
    *value = to_itimerval(interval_timer(which));
    return 0;
}

SysResult alarm(unsigned seconds)
{
    auto previous = sched::set_real_timer(uint64_t(seconds) * uint64_t(kNanosPerSecond), 0);
    // alarm(2): the seconds that were left, rounded to the nearest, at least 1 if armed.
    uint64_t left = (previous.remaining_ns + kNanosPerSecond / 2) / uint64_t(kNanosPerSecond);
    return long(previous.remaining_ns && !left ? 1 : left);
}

SysResult nanosleep(const abi::Timespec* request, abi::Timespec* remaining)
{
    return clock_nanosleep(abi::kClockMonotonic, 0, request, remaining);
}

SysResult clock_nanosleep(int clock, int flags, const abi::Timespec* request, abi::Timespec* remaining)
{
    auto kind = TRY(clock_kind(clock));
    if (kind == ClockKind::ThreadCpu)
        return lib::Error(lib::Errno::INVAL, "cannot sleep on the thread CPU clock");
    if (kind == ClockKind::ProcessCpu) // Linux can; no program we know of does
        return lib::Error(lib::Errno::NOTSUP, "sleeping on the process CPU clock is not supported");
    int64_t amount = TRY(read_timespec(request));
    bool absolute = flags & abi::kTimerAbstime;
    int64_t now = now_ns(kind);
    int64_t until = absolute ? amount : amount > INT64_MAX - now ? INT64_MAX : now + amount; // saturating
    uint64_t deadline = monotonic_deadline(kind, until);
    if (deadline <= arch::monotonic_ns()) {
        sched::yield();
        return 0;
    }
    if (sched::sleep_until(deadline, true) != sched::WakeReason::Interrupted)
        return 0;
    if (remaining && !absolute) { // clock_nanosleep(2): only relative sleeps report the rest
        TRY(check_user_range(remaining, sizeof(*remaining), UserAccess::Write));
        uint64_t now = arch::monotonic_ns();
        *remaining = to_timespec(deadline > now ? int64_t(deadline - now) : 0);
    }
    return lib::Error(lib::Errno::INTR, "sleep interrupted by a signal");
}

} // namespace sys
