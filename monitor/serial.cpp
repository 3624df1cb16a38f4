#include "serial.h"

namespace monitor {

namespace {
// Register offsets and bits, PC16550D data sheet, table II.
constexpr uint64_t kData = 0, kIer = 1, kIir = 2, kLcr = 3, kMcr = 4, kLsr = 5, kMsr = 6, kScr = 7;
constexpr uint8_t kIerThrEmpty = 0x02;
constexpr uint8_t kIirNone = 0x01, kIirThrEmpty = 0x02, kIirFifos = 0xc0;
constexpr uint8_t kLsrThrEmpty = 0x20, kLsrTransmitterEmpty = 0x40;
constexpr uint8_t kMcrLoop = 0x10;
} // namespace

void Serial16550::update_irq()
{
    bool level = (m_ier & kIerThrEmpty) && m_thr_empty_pending;
    if (level != m_irq_level && m_irq)
        m_irq(level);
    m_irq_level = level;
}

uint8_t Serial16550::read_register(uint64_t offset)
{
    switch (offset) {
    case kData: return dlab() ? uint8_t(m_divisor) : 0; // RBR: nothing is ever received
    case kIer: return dlab() ? uint8_t(m_divisor >> 8) : m_ier;
    case kIir: {
        uint8_t fifos = (m_fcr & 1) ? kIirFifos : 0;
        if ((m_ier & kIerThrEmpty) && m_thr_empty_pending) {
            m_thr_empty_pending = false; // reading IIR with this source clears it
            update_irq();
            return kIirThrEmpty | fifos;
        }
        return kIirNone | fifos;
    }
    case kLcr: return m_lcr;
    case kMcr: return m_mcr;
    case kLsr: return kLsrThrEmpty | kLsrTransmitterEmpty;
    case kMsr: // loopback: CTS=RTS, DSR=DTR, RI=OUT1, DCD=OUT2; else carrier, DSR and CTS
        if (m_mcr & kMcrLoop)
            return uint8_t(((m_mcr & 0x02) << 3) | ((m_mcr & 0x01) << 5) | ((m_mcr & 0x04) << 4) | ((m_mcr & 0x08) << 4));
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
    case kIir: m_fcr = value & 0xc9; break; // FCR; the reset bits act at once (no FIFO)
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

} // namespace monitor
