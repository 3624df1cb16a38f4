// The wall clock behind CLOCK_REALTIME (wall_clock.cpp).
#pragma once

#include <kernel/arch/x86_64/tsc.h>

#include <cstdint>
#include <optional>

namespace core {

/// The wall time of monotonic time 0, once read (wall_clock.cpp writes it; read without a
/// lock: `ready` is published with release order after `boot_wall_ns`).
struct WallClock {
    bool ready = false;
    int64_t boot_wall_ns = 0; // wall time at monotonic time 0
};

inline WallClock& wall_clock_state()
{
    static constinit WallClock clock;
    return clock;
}

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
/// finished (on any CPU). Safe without the kernel section (the fast clock path), and
/// inline for it.
inline std::optional<int64_t> realtime_ns_if_read()
{
    const WallClock& clock = wall_clock_state();
    if (!__atomic_load_n(&clock.ready, __ATOMIC_ACQUIRE))
        return std::nullopt;
    return __atomic_load_n(&clock.boot_wall_ns, __ATOMIC_RELAXED) + int64_t(arch::monotonic_ns());
}

} // namespace core
