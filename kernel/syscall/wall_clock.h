// The wall clock behind CLOCK_REALTIME (wall_clock.cpp).
#pragma once

#include <cstdint>

namespace sys {

/// Reads the wall-clock time once (kvmclock, else the CMOS RTC) and fixes the wall time of
/// monotonic time 0. Idempotent; called lazily by realtime_ns(), and may be called at boot
/// to take the reading early. Logs a warning and starts at the Unix epoch if there is
/// neither.
void wall_clock_init();

/// Nanoseconds since the Unix epoch (UTC).
int64_t realtime_ns();

} // namespace sys
