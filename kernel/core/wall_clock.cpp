// CLOCK_REALTIME: the wall-clock time read once, plus the monotonic clock since then. The
// reading comes from kvmclock when KVM offers it (osprey-monitor has no RTC), else from the
// CMOS real-time clock (MC146818, I/O ports 0x70/0x71). Read lazily at the first query (or
// by wall_clock_init at boot). Without either (the RTC registers read back 0xff, or they
// never settle) the wall clock starts at 0, the Unix epoch, and a log line says so.
#include <kernel/arch/x86_64/io.h>
#include <kernel/arch/x86_64/kvmclock.h>
#include <kernel/arch/x86_64/tsc.h>
#include <kernel/console/log.h>
#include <kernel/core/wall_clock.h>

namespace core {

namespace {

constexpr uint16_t kCmosIndex = 0x70, kCmosData = 0x71;
constexpr uint8_t kSeconds = 0x00, kMinutes = 0x02, kHours = 0x04, kDay = 0x07, kMonth = 0x08, kYear = 0x09,
                  kStatusA = 0x0a, kStatusB = 0x0b, kCentury = 0x32;
constexpr uint8_t kUpdateInProgress = 0x80, kBinaryMode = 0x04, k24HourMode = 0x02, kPmBit = 0x80;
constexpr int kMaxWaitLoops = 1'000'000, kMaxReadAttempts = 10;

struct RtcTime {
    uint8_t second, minute, hour, day, month, year, century;
    bool operator==(const RtcTime&) const = default;
};

// The wall clock (wall_clock_state(), wall_clock.h): read once (under the big kernel lock,
// or at boot), then published by a store-release of `ready` that readers without the lock
// load-acquire.

uint8_t cmos_read(uint8_t reg)
{
    arch::outb(kCmosIndex, reg | 0x80); // bit 7 keeps NMIs disabled, as at boot
    return arch::inb(kCmosData);
}

bool wait_for_update_done()
{
    for (int i = 0; i < kMaxWaitLoops; ++i) {
        if (!(cmos_read(kStatusA) & kUpdateInProgress))
            return true;
    }
    return false;
}

RtcTime read_raw()
{
    return { cmos_read(kSeconds), cmos_read(kMinutes), cmos_read(kHours), cmos_read(kDay), cmos_read(kMonth),
        cmos_read(kYear), cmos_read(kCentury) };
}

/// Two equal reads outside an update, or nothing after kMaxReadAttempts.
bool read_stable(RtcTime& out)
{
    for (int attempt = 0; attempt < kMaxReadAttempts; ++attempt) {
        if (!wait_for_update_done())
            return false;
        RtcTime first = read_raw();
        if (!wait_for_update_done())
            return false;
        out = read_raw();
        if (out == first)
            return true;
    }
    return false;
}

uint8_t from_bcd(uint8_t v) { return uint8_t((v >> 4) * 10 + (v & 0x0f)); }

/// Days from 1970-01-01 to the given proleptic Gregorian date (era arithmetic, March-based
/// years so that the leap day is the last day of a year).
int64_t days_since_epoch(int64_t year, unsigned month, unsigned day)
{
    year -= month <= 2;
    int64_t era = (year >= 0 ? year : year - 399) / 400;
    unsigned year_of_era = unsigned(year - era * 400);
    unsigned day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + int64_t(day_of_era) - 719468;
}

bool decode(RtcTime t, int64_t& seconds)
{
    uint8_t status_b = cmos_read(kStatusB);
    bool pm = !(status_b & k24HourMode) && (t.hour & kPmBit);
    t.hour &= uint8_t(~kPmBit);
    if (!(status_b & kBinaryMode)) {
        t.second = from_bcd(t.second), t.minute = from_bcd(t.minute), t.hour = from_bcd(t.hour);
        t.day = from_bcd(t.day), t.month = from_bcd(t.month), t.year = from_bcd(t.year);
        t.century = from_bcd(t.century);
    }
    if (!(status_b & k24HourMode))
        t.hour = uint8_t(t.hour % 12 + (pm ? 12 : 0));
    if (t.second > 59 || t.minute > 59 || t.hour > 23 || t.day < 1 || t.day > 31 || t.month < 1 || t.month > 12)
        return false;
    int year = (t.century >= 19 && t.century <= 30) ? t.century * 100 + t.year : (t.year < 70 ? 2000 : 1900) + t.year;
    seconds = days_since_epoch(year, t.month, t.day) * 86400 + t.hour * 3600 + t.minute * 60 + t.second;
    return true;
}

/// The wall time at monotonic time 0: from kvmclock, else the CMOS RTC, else the epoch.
int64_t read_boot_wall_ns()
{
    if (auto wall = arch::kvmclock_wall_ns()) {
        klog::info(klog::Subsystem::Syscall, "wall clock from kvmclock: {} s since the epoch", *wall / 1'000'000'000);
        return *wall - int64_t(arch::monotonic_ns());
    }
    RtcTime raw;
    int64_t seconds = 0;
    bool present = cmos_read(kStatusA) != 0xff && read_stable(raw) && decode(raw, seconds);
    uint64_t now_ns = arch::monotonic_ns();
    if (!present) {
        klog::warn(klog::Subsystem::Syscall, "no usable CMOS RTC: the wall clock starts at the Unix epoch");
        return -int64_t(now_ns);
    }
    klog::info(klog::Subsystem::Syscall, "wall clock from the CMOS RTC: {} s since the epoch", seconds);
    return seconds * 1'000'000'000 - int64_t(now_ns);
}

} // namespace

void wall_clock_init()
{
    WallClock& clock = wall_clock_state();
    if (__atomic_load_n(&clock.ready, __ATOMIC_ACQUIRE))
        return;
    clock.boot_wall_ns = read_boot_wall_ns();
    __atomic_store_n(&clock.ready, true, __ATOMIC_RELEASE);
}

void wall_clock_set(int64_t now_ns)
{
    WallClock& clock = wall_clock_state();
    __atomic_store_n(&clock.boot_wall_ns, now_ns - int64_t(arch::monotonic_ns()), __ATOMIC_RELAXED);
    __atomic_store_n(&clock.ready, true, __ATOMIC_RELEASE);
}

int64_t realtime_ns()
{
    wall_clock_init();
    return __atomic_load_n(&wall_clock_state().boot_wall_ns, __ATOMIC_RELAXED) + int64_t(arch::monotonic_ns());
}

} // namespace core
