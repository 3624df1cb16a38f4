// The wall clock behind CLOCK_REALTIME (wall_clock.cpp).
#pragma once

#include <cstdint>
#include <optional>

namespace sys {

/// Reads the wall-clock time once (kvmclock, else the CMOS RTC) and fixes the wall time of
/// monotonic time 0. Idempotent; called lazily by realtime_ns(), and may be called at boot
/// to take the reading early. Logs a warning and starts at the Unix epoch if there is
/// neither.
void wall_clock_init();

/// Sets the wall clock to `now_ns` since the epoch (a VM restored from a snapshot takes the
/// host's time: include/abi/snapshot_port.h). Readers see the old or the new time.
void wall_clock_set(int64_t now_ns);

/// Nanoseconds since the Unix epoch (UTC).
int64_t realtime_ns();

/// The same, without ever reading the wall clock: nullopt until wall_clock_init has
/// finished (on any CPU). Safe without the kernel section (the fast clock path).
std::optional<int64_t> realtime_ns_if_read();

} // namespace sys
