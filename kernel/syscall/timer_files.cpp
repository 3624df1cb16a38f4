// timerfd_create, timerfd_settime, timerfd_gettime (kernel/fs/timer_file.h) and signalfd
// (kernel/fs/signal_file.h): the files that stand for time and for signals.
#include <kernel/fs/fd_table.h>
#include <kernel/fs/signal_file.h>
#include <kernel/fs/timer_file.h>
#include <kernel/syscall/syscall.h>
#include <kernel/syscall/syscall_util.h>

namespace sys {

namespace {

constexpr int kTimerAbstime = 1, kTimerCancelOnSet = 2; // TFD_TIMER_*

abi::Timespec timespec_of(uint64_t ns) { return { int64_t(ns / kNanosPerSecond), int64_t(ns % kNanosPerSecond) }; }

void write_setting(abi::Itimerspec& out, const fs::TimerFileSetting& setting)
{
    out.it_value = timespec_of(setting.value);
    out.it_interval = timespec_of(setting.interval);
}

} // namespace

SysResult timerfd_create(int clock, int flags)
{
    if (flags & ~(abi::kOCloexec | fs::kOpenNonBlocking))
        return lib::Error(lib::Errno::INVAL, "timerfd_create: bad flags");
    fs::TimerFileClock kind;
    switch (clock) {
    case abi::kClockMonotonic:
    case abi::kClockBoottime: kind = fs::TimerFileClock::Monotonic; break; // no suspend: the same
    case abi::kClockRealtime: kind = fs::TimerFileClock::Realtime; break;
    default: return lib::Error(lib::Errno::INVAL, "timerfd_create: unsupported clock");
    }
    fs::File* file = TRY(fs::make_timer_file(kind, flags & fs::kOpenNonBlocking));
    return long(TRY(fs::descriptors().install(file, flags & abi::kOCloexec)));
}

SysResult timerfd_settime(int fd, int flags, const abi::Itimerspec* new_value, abi::Itimerspec* old_value)
{
    if (flags & ~(kTimerAbstime | kTimerCancelOnSet)) // CANCEL_ON_SET: accepted; the wall clock is never set
        return lib::Error(lib::Errno::INVAL, "timerfd_settime: bad flags");
    auto file = TRY(fs::descriptors().get(fd));
    TRY(check_user_range(new_value, sizeof(*new_value)));
    if (old_value)
        TRY(check_user_range(old_value, sizeof(*old_value), UserAccess::Write));
    fs::TimerFileSetting setting { uint64_t(TRY(read_timespec(&new_value->it_value))),
        uint64_t(TRY(read_timespec(&new_value->it_interval))) };
    auto old = TRY(fs::set_timer_file(*file, setting, flags & kTimerAbstime));
    if (old_value)
        write_setting(*old_value, old);
    return 0;
}

SysResult timerfd_gettime(int fd, abi::Itimerspec* value)
{
    auto file = TRY(fs::descriptors().get(fd));
    TRY(check_user_range(value, sizeof(*value), UserAccess::Write));
    write_setting(*value, TRY(fs::timer_file_setting(*file)));
    return 0;
}

SysResult signalfd4(int fd, const uint64_t* mask, size_t mask_size, int flags)
{
    if (mask_size != sizeof(uint64_t))
        return lib::Error(lib::Errno::INVAL, "signalfd: bad mask size");
    if (flags & ~(abi::kOCloexec | fs::kOpenNonBlocking))
        return lib::Error(lib::Errno::INVAL, "signalfd: bad flags");
    TRY(check_user_range(mask, sizeof(*mask)));
    if (fd != -1) {
        TRY(fs::set_signal_file_mask(*TRY(fs::descriptors().get(fd)), *mask));
        return fd;
    }
    fs::File* file = TRY(fs::make_signal_file(*mask, flags & fs::kOpenNonBlocking));
    return long(TRY(fs::descriptors().install(file, flags & abi::kOCloexec)));
}

} // namespace sys
