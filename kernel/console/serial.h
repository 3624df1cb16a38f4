// 16550 UART driver: polled output, and input by interrupt (kernel/fs/console_input.cpp).
// The console is COM1; the VMM status line uses COM2.
#pragma once

#include <cstddef>
#include <cstdint>

namespace console {

class Uart16550 {
public:
    explicit constexpr Uart16550(uint16_t base) : m_base(base) { }
    /// Programs 115200 8N1 with FIFOs. Safe to call more than once. Without init, every
    /// byte waits for an empty holding register (the safe default).
    void init();
    void write(const char* data, size_t length);

    /// Takes the next received byte out of the receive FIFO; false when there is none.
    bool receive(uint8_t& byte);
    /// Turns the "received data available" interrupt on or off.
    void set_receive_interrupts(bool on);

private:
    void put(char c);
    uint16_t m_base;
    uint8_t m_burst = 1; // bytes that fit once THRE is seen: the FIFO depth, or 1
    uint8_t m_room = 0;  // bytes that may still be written before polling again
};

/// The kernel console (COM1, 0x3f8): kernel log and the program's stdout/stderr.
Uart16550& console_uart();

} // namespace console
