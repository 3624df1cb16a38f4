#include <kernel/console/serial.h>

#include <kernel/arch/x86_64/io.h>

namespace console {

namespace {
// Register offsets, 16550 data sheet.
constexpr uint16_t kData = 0, kInterruptEnable = 1, kFifoControl = 2, kInterruptIdentification = 2, kLineControl = 3,
                   kModemControl = 4, kLineStatus = 5;
constexpr uint8_t kTransmitHoldingEmpty = 0x20, kDataReady = 0x01;
constexpr uint8_t kReceiveInterrupts = 0x01; // IER: received data available
constexpr uint8_t kFifosEnabled = 0xc0;      // IIR bits 7:6, set by a 16550A once FCR enabled them
constexpr uint8_t kFifoDepth = 16;           // 16550A transmit FIFO
constexpr int kMaxSpins = 100000;            // a missing UART must not hang the kernel
} // namespace

void Uart16550::init()
{
    // Enabling the FIFOs empties them: a byte the host sent before (the UART holds one
    // without FIFOs, and takes no other while it does) is lost. It is not read first: the
    // host could send the next one between that read and this write, and that one would be
    // lost instead, at a place no one can tell (console_input.h: the escaped stream starts
    // with a pair made for this).
    arch::outb(m_base + kInterruptEnable, 0);
    arch::outb(m_base + kLineControl, 0x80); // DLAB: divisor follows
    arch::outb(m_base + kData, 1);           // 115200 baud
    arch::outb(m_base + kInterruptEnable, 0);
    arch::outb(m_base + kLineControl, 0x03); // 8N1
    arch::outb(m_base + kFifoControl, 0xc7);
    arch::outb(m_base + kModemControl, 0x03);
    bool fifos = (arch::inb(m_base + kInterruptIdentification) & kFifosEnabled) == kFifosEnabled;
    m_burst = fifos ? kFifoDepth : 1;
    m_room = 0;
}

void Uart16550::put(char c)
{
    // THRE with FIFOs on means the whole transmit FIFO is empty: one status read per
    // m_burst bytes, not one per byte. Under a VMM every port access is a VM exit.
    if (m_room == 0) {
        for (int i = 0; i < kMaxSpins && !(arch::inb(m_base + kLineStatus) & kTransmitHoldingEmpty); ++i) { }
        m_room = m_burst;
    }
    arch::outb(m_base + kData, uint8_t(c));
    --m_room;
}

void Uart16550::write(const char* data, size_t length)
{
    // Bytes go out exactly as written (no \n -> \r\n): program output may be binary.
    for (size_t i = 0; i < length; ++i)
        put(data[i]);
}

bool Uart16550::receive(uint8_t& byte)
{
    if (!(arch::inb(m_base + kLineStatus) & kDataReady))
        return false;
    byte = arch::inb(m_base + kData);
    return true;
}

void Uart16550::set_receive_interrupts(bool on)
{
    arch::outb(m_base + kModemControl, on ? 0x0b : 0x03); // OUT2 gates the IRQ line on PCs
    arch::outb(m_base + kInterruptEnable, on ? kReceiveInterrupts : 0);
}

Uart16550& console_uart()
{
    static constinit Uart16550 uart(0x3f8);
    return uart;
}

} // namespace console
