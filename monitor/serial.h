// A 16550A UART as the guest sees it (National Semiconductor PC16550D data sheet). Bytes
// written to THR go to a sink at once, so the transmitter is always empty (LSR THRE|TEMT).
// Received bytes come from the host through receive() into a 16-byte FIFO (LSR DR, RBR;
// one byte until the guest enables the FIFOs, which empties them, as on the chip);
// IER, IIR (received data before THR empty), LCR with the divisor latch, MCR (loopback
// reflected in MSR) and SCR behave as on the chip; the interrupts are raised through `irq`
// when enabled in IER. Not thread-safe: the caller serialises (the VM's device lock).
#pragma once

#include "io_bus.h"
#include "snapshot_state.h"

#include <functional>

namespace monitor {

class Serial16550 final : public BusDevice {
public:
    using Sink = std::function<void(uint8_t)>;
    using IrqLine = std::function<void(bool level)>;

    static constexpr uint64_t kRegisterCount = 8;

    explicit Serial16550(Sink sink, IrqLine irq = {}) : m_sink(std::move(sink)), m_irq(std::move(irq)) { }

    static constexpr size_t kFifoSize = 16;

    /// Bytes from the host: as many as fit in the receive FIFO (one byte while the guest
    /// has not enabled the FIFOs, as on the chip); returns how many.
    size_t receive(std::span<const uint8_t> bytes);

    /// Whether the guest has turned the received-data interrupt on (it reads input now).
    bool wants_input() const { return m_ier & 0x01; }

    void bus_read(uint64_t offset, std::span<uint8_t> data) override;
    lib::Result<void> bus_write(uint64_t offset, std::span<const uint8_t> data) override;

    /// The registers and the receive FIFO (snapshots). restore: INVAL for bad state.
    void save(StateWriter& out) const;
    lib::Result<void> restore(StateReader& in);
    /// Drives the interrupt line to the level it had (after a restore, once the irqchip is).
    void redrive_irq()
    {
        if (m_irq)
            m_irq(m_irq_level);
    }

private:
    uint8_t read_register(uint64_t offset);
    void write_register(uint64_t offset, uint8_t value);
    void update_irq();
    bool dlab() const { return m_lcr & 0x80; }

    Sink m_sink;
    IrqLine m_irq;
    uint8_t m_ier = 0, m_lcr = 0, m_mcr = 0, m_scr = 0, m_fcr = 0;
    uint16_t m_divisor = 12;
    bool m_thr_empty_pending = false;
    uint8_t m_fifo[kFifoSize] = {};
    size_t m_fifo_head = 0, m_fifo_count = 0;
    bool m_irq_level = false;
};

} // namespace monitor
