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
    /// The table: one line per event, microseconds since start and since the previous one.
    void print(std::ostream& out) const;
    size_t size() const;

private:
    static uint64_t now_ns();
    mutable std::mutex m_lock;
    uint64_t m_start_ns;
    std::vector<std::pair<std::string, uint64_t>> m_events;
};

/// The boot-trace port: each byte written is a milestone number.
class BootTracePort final : public BusDevice {
public:
    explicit BootTracePort(BootTrace& trace) : m_trace(trace) { }
    void bus_read(uint64_t, std::span<uint8_t> data) override;
    lib::Result<void> bus_write(uint64_t offset, std::span<const uint8_t> data) override;

private:
    BootTrace& m_trace;
};

} // namespace monitor
