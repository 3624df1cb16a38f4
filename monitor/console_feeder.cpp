#include "console_feeder.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace monitor {

namespace {
constexpr uint8_t kEscape = 0xff, kEnd = 0x00, kStart = 0x01;
constexpr int kFullWaitMs = 1; // the FIFO is full: look again this much later
} // namespace

std::vector<uint8_t> escape_console_input(std::span<const uint8_t> bytes, bool end)
{
    std::vector<uint8_t> out;
    out.reserve(bytes.size() + 2);
    for (uint8_t byte : bytes) {
        out.push_back(byte);
        if (byte == kEscape)
            out.push_back(kEscape);
    }
    if (end) {
        out.push_back(kEscape);
        out.push_back(kEnd);
    }
    return out;
}

ConsoleFeeder::ConsoleFeeder(Serial16550& uart, std::mutex& device_lock, RunState& state)
    : m_uart(uart), m_device_lock(device_lock), m_state(state), m_stop_fd(eventfd(0, EFD_CLOEXEC))
{
    m_thread = std::thread([this] { loop(); });
}

ConsoleFeeder::~ConsoleFeeder()
{
    uint64_t one = 1;
    (void)!write(m_stop_fd, &one, sizeof(one));
    m_thread.join();
    close(m_stop_fd);
}

// Hands `bytes` to the UART as its FIFO makes room; waits (a poll on the stop eventfd with
// a short timeout) while it is full, and until the guest asks for input (turns the
// received-data interrupt on): a byte sent while the kernel sets the UART up would be lost
// when it enables the FIFOs, which empties them.
bool ConsoleFeeder::feed(std::span<const uint8_t> bytes)
{
    while (!bytes.empty()) {
        size_t taken = 0;
        {
            std::lock_guard guard(m_device_lock);
            if (m_uart.wants_input())
                taken = m_uart.receive(bytes);
        }
        bytes = bytes.subspan(taken);
        if (taken == 0) {
            pollfd stop { m_stop_fd, POLLIN, 0 };
            if (poll(&stop, 1, kFullWaitMs) > 0)
                return false;
        }
    }
    return true;
}

void ConsoleFeeder::loop()
{
    const uint8_t start[] = { kEscape, kStart }; // the kernel skips it (console_input.h)
    if (!feed(start))
        return;
    uint8_t buffer[4096];
    for (;;) {
        pollfd fds[2] = { { m_stop_fd, POLLIN, 0 }, { STDIN_FILENO, POLLIN, 0 } };
        if (poll(fds, 2, -1) < 0)
            continue;
        if (fds[0].revents)
            return;
        ssize_t n = read(STDIN_FILENO, buffer, sizeof(buffer));
        if (n < 0)
            continue;
        if (!feed(escape_console_input(std::span(buffer, size_t(n)), n == 0)) || n == 0)
            return; // stopped, or the end of stdin was passed on
    }
}

} // namespace monitor
