// The thread that passes the monitor's stdin to the guest's console UART (COM1): reads
// stdin, escapes it as the kernel expects with `console_input=escaped` (the start pair
// 0xff 0x01, an 0xff byte as 0xff 0xff, the end of stdin as 0xff 0x00,
// kernel/fs/console_input.h) and feeds the UART's receive FIFO under the VM's device lock
// as the guest drains it.
#pragma once

#include "run_state.h"
#include "serial.h"

#include <mutex>
#include <thread>
#include <vector>

namespace monitor {

/// The kernel option that tells the guest its console input is escaped.
inline constexpr const char* kEscapedConsoleOption = "console_input=escaped";

/// Escapes `bytes` for the guest; `end` appends the end-of-input pair.
std::vector<uint8_t> escape_console_input(std::span<const uint8_t> bytes, bool end);

class ConsoleFeeder {
public:
    ConsoleFeeder(Serial16550& uart, std::mutex& device_lock, RunState& state);
    ~ConsoleFeeder(); // stops and joins the thread

private:
    void loop();
    bool feed(std::span<const uint8_t> bytes); // false when asked to stop

    Serial16550& m_uart;
    std::mutex& m_device_lock;
    RunState& m_state;
    int m_stop_fd;
    std::thread m_thread;
};

} // namespace monitor
