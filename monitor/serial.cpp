#include "serial.h"

#include <cstring>

namespace monitor {

namespace {
// Register offsets and bits, PC16550D data sheet, table II.
constexpr uint64_t kData = 0, kIer = 1, kIir = 2, kLcr = 3, kMcr = 4, kLsr = 5, kMsr = 6, kScr = 7;
constexpr uint8_t kIerReceived = 0x01, kIerThrEmpty = 0x02;
constexpr uint8_t kIirNone = 0x01, kIirThrEmpty = 0x02, kIirReceived = 0x04, kIirFifos = 0xc0;
constexpr uint8_t kLsrDataReady = 0x01, kLsrThrEmpty = 0x20, kLsrTransmitterEmpty = 0x40;
constexpr uint8_t kMcrLoop = 0x10;
} // namespace

size_t Serial16550::receive(std::span<const uint8_t> bytes)
{
    size_t capacity = (m_fcr & 1) ? kFifoSize : 1; // without FIFOs the chip holds one byte
    size_t taken = 0;
    for (; taken < bytes.size() && m_fifo_count < capacity; ++taken)
        m_fifo[(m_fifo_head + m_fifo_count++) % kFifoSize] = bytes[taken];
    update_irq();
    return taken;
}

void Serial16550::update_irq()
{
    bool level = ((m_ier & kIerThrEmpty) && m_thr_empty_pending) || ((m_ier & kIerReceived) && m_fifo_count);
    if (level != m_irq_level && m_irq)
        m_irq(level);
    m_irq_level = level;
}

uint8_t Serial16550::read_register(uint64_t offset)
{
    switch (offset) {
    case kData: {
        if (dlab())
            return uint8_t(m_divisor);
        if (m_fifo_count == 0)
            return 0;
        uint8_t byte = m_fifo[m_fifo_head];
        m_fifo_head = (m_fifo_head + 1) % kFifoSize;
        --m_fifo_count;
        update_irq();
        return byte;
    }
    case kIer: return dlab() ? uint8_t(m_divisor >> 8) : m_ier;
    case kIir: {
        uint8_t fifos = (m_fcr & 1) ? kIirFifos : 0;
        if ((m_ier & kIerReceived) && m_fifo_count) // cleared by reading RBR
            return kIirReceived | fifos;
        if ((m_ier & kIerThrEmpty) && m_thr_empty_pending) {
            m_thr_empty_pending = false; // reading IIR with this source clears it
            update_irq();
            return kIirThrEmpty | fifos;
        }
        return kIirNone | fifos;
    }
    case kLcr: return m_lcr;
    case kMcr: return m_mcr;
    case kLsr: return kLsrThrEmpty | kLsrTransmitterEmpty | (m_fifo_count ? kLsrDataReady : 0);
    case kMsr: // loopback: CTS=RTS, DSR=DTR, RI=OUT1, DCD=OUT2; else carrier, DSR and CTS
        if (m_mcr & kMcrLoop)
            return uint8_t(
                ((m_mcr & 0x02) << 3) | ((m_mcr & 0x01) << 5) | ((m_mcr & 0x04) << 4) | ((m_mcr & 0x08) << 4));
        return 0xb0;
    case kScr: return m_scr;
    }
    return 0xff;
}

void Serial16550::write_register(uint64_t offset, uint8_t value)
{
    switch (offset) {
    case kData:
        if (dlab()) {
            m_divisor = uint16_t((m_divisor & 0xff00) | value);
            return;
        }
        if (!(m_mcr & kMcrLoop))
            m_sink(value);
        m_thr_empty_pending = true; // transmitted at once
        break;
    case kIer:
        if (dlab()) {
            m_divisor = uint16_t((m_divisor & 0x00ff) | (value << 8));
            return;
        }
        if ((value & kIerThrEmpty) && !(m_ier & kIerThrEmpty))
            m_thr_empty_pending = true; // enabling it with THR empty raises it at once
        m_ier = value & 0x0f;
        break;
    case kIir: // FCR: bit 1 empties the receive FIFO (the transmit side has none)
        if ((value & 0x02) || ((value ^ m_fcr) & 0x01)) // reset, or the FIFOs turned on or off
            m_fifo_count = 0;
        m_fcr = value & 0xc9;
        break;
    case kLcr: m_lcr = value; break;
    case kMcr: m_mcr = value & 0x1f; break;
    case kScr: m_scr = value; break;
    default: break; // LSR and MSR are read-only
    }
    update_irq();
}

void Serial16550::bus_read(uint64_t offset, std::span<uint8_t> data)
{
    for (size_t i = 0; i < data.size(); ++i)
        data[i] = offset + i < kRegisterCount ? read_register(offset + i) : 0xff;
}

lib::Result<void> Serial16550::bus_write(uint64_t offset, std::span<const uint8_t> data)
{
    for (size_t i = 0; i < data.size() && offset + i < kRegisterCount; ++i)
        write_register(offset + i, data[i]);
    return {};
}

void Serial16550::save(StateWriter& out) const
{
    for (uint8_t reg : { m_ier, m_lcr, m_mcr, m_scr, m_fcr })
        out.u8(reg);
    out.u16(m_divisor);
    out.u8(m_thr_empty_pending);
    out.bytes({ m_fifo, kFifoSize });
    out.u8(uint8_t(m_fifo_head));
    out.u8(uint8_t(m_fifo_count));
    out.u8(m_irq_level);
}

lib::Result<void> Serial16550::restore(StateReader& in)
{
    for (uint8_t* reg : { &m_ier, &m_lcr, &m_mcr, &m_scr, &m_fcr })
        *reg = TRY(in.u8());
    m_divisor = TRY(in.u16());
    m_thr_empty_pending = TRY(in.u8()) != 0;
    auto fifo = TRY(in.bytes());
    uint8_t head = TRY(in.u8()), count = TRY(in.u8());
    if (fifo.size() != kFifoSize || head >= kFifoSize || count > kFifoSize)
        return lib::Error(lib::Errno::INVAL, "the snapshot's UART state is malformed");
    memcpy(m_fifo, fifo.data(), kFifoSize);
    m_fifo_head = head;
    m_fifo_count = count;
    m_irq_level = TRY(in.u8()) != 0;
    return {};
}

} // namespace monitor
