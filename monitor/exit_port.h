// The guest's exit report (include/abi/exit_port.h): the kernel writes "osprey-exit status
// N" or "osprey-exit panic N" to the status UART, then N to the debug-exit port. Under the
// monitor the port value is the exit status exactly (0..255; QEMU's isa-debug-exit would
// give (N << 1) | 1). A panic is told from a normal exit by abi::kPanicFlag in the value
// (include/abi/console_port.h) or, from a kernel that writes it, by the status line.
#pragma once

#include "io_bus.h"
#include "run_state.h"

#include <string>

namespace monitor {

/// Collects what the guest writes to the status UART (at most 4 KiB kept).
class StatusText {
public:
    void append(uint8_t byte)
    {
        if (m_text.size() < 4096)
            m_text.push_back(char(byte));
    }
    const std::string& text() const { return m_text; }
    /// Whether the last line starting with "osprey-exit " reports a panic.
    bool reports_panic() const;

private:
    std::string m_text;
};

class DebugExitPort final : public BusDevice {
public:
    static constexpr uint64_t kSize = 4; // iosize 4, as QEMU's isa-debug-exit

    DebugExitPort(RunState& run, const StatusText& status) : m_run(run), m_status(status) { }
    void bus_read(uint64_t, std::span<uint8_t> data) override;
    /// Stops the VM with the low byte of the value written (any width); a panic when the
    /// value has abi::kPanicFlag or the status line said so.
    lib::Result<void> bus_write(uint64_t offset, std::span<const uint8_t> data) override;

private:
    RunState& m_run;
    const StatusText& m_status;
};

} // namespace monitor
