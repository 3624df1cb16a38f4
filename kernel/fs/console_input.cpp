#include <kernel/arch/x86_64/spin_lock.h>
#include <kernel/console/serial.h>
#include <kernel/fs/console_file.h>
#include <kernel/fs/console_input.h>
#include <kernel/fs/readiness.h>
#include <lib/guarded.h>
#include <sched/device_interrupt.h>

#include <cstring>

namespace fs {

namespace {

constexpr uint32_t kConsoleGsi = 4; // COM1's ISA IRQ 4
constexpr size_t kBufferSize = 4096;
constexpr uint8_t kEndOfText = 0x04; // Ctrl-D

struct InputBuffer {
    uint8_t bytes[kBufferSize];
    size_t head = 0, count = 0;
    bool ended = false;          // a break (or Ctrl-D on a tty) came: reads return 0
    bool escaped = false;        // console_input=escaped: 0xff starts a pair
    bool escape_pending = false; // an 0xff came; the next byte says what it means
    bool awaiting_start = false; // escaped: before the 0xff 0x01 that starts the stream
    bool receiving_off = false;  // full: the receive interrupt is off until a read drains
    bool started = false;        // the receive interrupts are on
};

/// The console's input: the buffer (taken by the interrupt handler and by readers, so a
/// spinlock that turns interrupts off) and the counter readers wait on.
struct ConsoleInput {
    lib::Guarded<InputBuffer, arch::SpinLock> buffer;
    ChangeCounter changes;
    bool routed = false; // IRQ 4 has a handler (under the big kernel lock, as system calls run)
};

ConsoleInput& input()
{
    static ConsoleInput state;
    return state;
}

constexpr uint8_t kEscape = 0xff, kEscapedEnd = 0x00, kEscapedStart = 0x01;

/// Moves what the UART holds into the buffer; false when the buffer filled up first.
/// Called with the buffer locked.
bool drain_uart_locked(InputBuffer& buffer)
{
    console::Uart16550& uart = console::console_uart();
    bool tty = console_is_terminal();
    uint8_t byte;
    while (buffer.count < kBufferSize && uart.receive(byte)) {
        if (buffer.awaiting_start) { // 0xff 0x01, or only 0x01 when the 0xff was lost
            buffer.awaiting_start = byte != kEscapedStart;
            if (byte == kEscape || byte == kEscapedStart)
                continue;
            buffer.awaiting_start = false; // not from the CLI or the monitor: taken as it is
        }
        if (buffer.escaped && !buffer.escape_pending && byte == kEscape) {
            buffer.escape_pending = true;
            continue;
        }
        if (buffer.escape_pending) {
            buffer.escape_pending = false;
            if (byte == kEscapedEnd) {
                buffer.ended = true;
                continue;
            }
            // 0xff 0xff: a 0xff byte; anything else is not sent by the CLI: taken as it is
        }
        if (tty && byte == kEndOfText) {
            buffer.ended = true;
            continue;
        }
        if (tty) { // a FIRST CUT of ICANON|ECHO|ICRNL: CR in, LF out, and what was typed shown
            if (byte == '\r')
                byte = '\n';
            uart.write(reinterpret_cast<const char*>(&byte), 1);
        }
        buffer.bytes[(buffer.head + buffer.count++) % kBufferSize] = byte;
    }
    return buffer.count < kBufferSize;
}

void on_console_interrupt(void*)
{
    input().buffer.with([](InputBuffer& buffer) {
        if (!drain_uart_locked(buffer)) {
            console::console_uart().set_receive_interrupts(false);
            buffer.receiving_off = true;
        }
    });
    input().changes.changed();
}

/// On the first look at the input: routes IRQ 4 and turns the receive interrupts on. EIO
/// when the interrupt cannot be routed (then there is no console input).
lib::Result<void> start()
{
    if (input().routed)
        return {};
    input().routed = true;
    if (auto route = sched::route_device_interrupt(kConsoleGsi, on_console_interrupt, nullptr); route.is_error())
        return lib::Error(lib::Errno::IO, "console input: no interrupt line for COM1");
    input().buffer.with([](InputBuffer& buffer) {
        buffer.started = true;
        console::console_uart().set_receive_interrupts(true);
        drain_uart_locked(buffer);
    });
    return {};
}

} // namespace

bool set_console_input_mode(std::string_view value)
{
    if (value != "escaped" && value != "raw")
        return false;
    input().buffer.with([&](InputBuffer& buffer) { buffer.escaped = buffer.awaiting_start = value == "escaped"; });
    return true;
}

lib::Result<size_t> console_read(void* out, size_t length, bool non_blocking)
{
    TRY(start());
    for (;;) {
        uint32_t seen = input().changes.now();
        bool ended = false;
        size_t taken = input().buffer.with([&](InputBuffer& buffer) {
            size_t n = buffer.count < length ? buffer.count : length;
            for (size_t i = 0; i < n; ++i)
                static_cast<uint8_t*>(out)[i] = buffer.bytes[(buffer.head + i) % kBufferSize];
            buffer.head = (buffer.head + n) % kBufferSize;
            buffer.count -= n;
            if (buffer.receiving_off && buffer.count < kBufferSize) { // room again: take the rest
                buffer.receiving_off = !drain_uart_locked(buffer);
                if (!buffer.receiving_off)
                    console::console_uart().set_receive_interrupts(true);
            }
            ended = buffer.ended;
            if (n == 0 && buffer.ended && console_is_terminal())
                buffer.ended = false; // Ctrl-D on a terminal ends one read, not the console
            return n;
        });
        if (taken || ended || length == 0)
            return taken;
        if (non_blocking)
            return lib::Error(lib::Errno::AGAIN, "no console input yet");
        TRY(input().changes.wait(seen));
    }
}

size_t console_bytes_ready()
{
    (void)start();
    return input().buffer.with([](InputBuffer& buffer) { return buffer.count; });
}

bool console_readable()
{
    (void)start();
    return input().buffer.with([](InputBuffer& buffer) { return buffer.count > 0 || buffer.ended; });
}

} // namespace fs
