// --trace-boot: host clock readings (CLOCK_MONOTONIC) at each boot phase, printed as a
// table in microseconds since the monitor started. Guest milestones arrive on the
// boot-trace port (include/abi/boot_trace.h) through BootTracePort.
#pragma once

#include "io_bus.h"

#include <cstdint>
#include <mutex>
#include <ostream>
#include <string>
#include <vector>

namespace monitor {

class BootTrace {
public:
    BootTrace();
    /// Records `event` now (thread-safe).
    void record(std::string event);
    /// Records `event` once: later calls with the same name are ignored.
    void record_once(const std::string& event);
    /// Records a milestone the guest reported, up to kMaxGuestEvents of them; later ones
    /// are only counted (a guest that floods the port cannot grow the monitor).
    void record_guest(std::string event);
    static constexpr size_t kMaxGuestEvents = 64;
    /// The table: one line per event, microseconds since start and since the previous one;
    /// then the counters, if any were given.
    void print(std::ostream& out) const;
    /// Asks for counters (set_counters) to be gathered when the VM ends (--trace-boot).
    void want_counters() { m_counters_wanted = true; }
    bool counters_wanted() const { return m_counters_wanted; }
    /// Counters printed after the table under `title`, the nonzero ones (KVM's statistics).
    void set_counters(std::string title, std::vector<std::pair<std::string, uint64_t>> counters);
    size_t size() const;

private:
    static uint64_t now_ns();
    mutable std::mutex m_lock;
    uint64_t m_start_ns;
    std::vector<std::pair<std::string, uint64_t>> m_events;
    size_t m_guest_events = 0;
    uint64_t m_guest_events_dropped = 0;
    bool m_counters_wanted = false;
    std::string m_counters_title;
    std::vector<std::pair<std::string, uint64_t>> m_counters;
};

/// The boot-trace port: each byte written is a milestone number. Attached only with
/// --trace-boot.
class BootTracePort final : public BusDevice {
public:
    explicit BootTracePort(BootTrace& trace) : m_trace(trace) { }
    void bus_read(uint64_t, std::span<uint8_t> data) override;
    lib::Result<void> bus_write(uint64_t offset, std::span<const uint8_t> data) override;

private:
    BootTrace& m_trace;
};

} // namespace monitor
