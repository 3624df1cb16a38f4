// timerfd(2): a timer as a file, the way event loops (systemd's sd-event, glib, Java NIO
// selectors, many servers) wait for time with the rest of their descriptors. A read of 8
// bytes returns how many times the timer expired since the last read (waiting for the next
// expiry while none, or EAGAIN with O_NONBLOCK); poll sees it readable once it expired.
// Nothing fires in the background: expiries are counted from the clock when someone looks
// (read, poll), and a sleeping poll, select or epoll wait wakes by the earliest armed
// timerfd's expiry (earliest_timer_deadline) to look again.
#pragma once

#include <kernel/fs/file.h>

namespace fs {

enum class TimerFileClock : uint8_t { Monotonic, Realtime };

/// A new disarmed timer file on `clock`; `open_flags`: O_NONBLOCK or 0. NOMEM.
lib::Result<File*> make_timer_file(TimerFileClock clock, int open_flags);

/// The timer settings in nanoseconds: `value` (0: disarmed) until the next expiry on the
/// timer's clock, or, with `absolute`, the clock reading of it; `interval` between later
/// expiries (0: once).
struct TimerFileSetting {
    uint64_t value = 0;
    uint64_t interval = 0;
};

/// timerfd_settime: arms or disarms; returns the old setting (as timerfd_gettime would).
/// EINVAL if `file` is not a timer file.
lib::Result<TimerFileSetting> set_timer_file(File& file, TimerFileSetting setting, bool absolute);
/// timerfd_gettime: the time left to the next expiry and the interval. EINVAL.
lib::Result<TimerFileSetting> timer_file_setting(File& file);

/// The monotonic time of the earliest expiry of any armed timer file, 0 if none.
uint64_t earliest_timer_deadline();

} // namespace fs
