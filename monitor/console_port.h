// The console port (include/abi/console_port.h): the guest writes the guest-physical
// address of a ConsoleWrite record with one `outl`; the bytes it names go to the console
// sink in one piece. A record or bytes outside guest memory, a length over
// abi::kConsoleWriteMax or a nonzero reserved field is the guest breaking the rules: the
// write fails and the VM stops (vcpu_exit.cpp). Not thread-safe: the caller serialises.
#pragma once

#include "guest_memory.h"
#include "io_bus.h"

#include <functional>

namespace monitor {

class ConsolePort final : public BusDevice {
public:
    using Sink = std::function<void(std::span<const uint8_t>)>;

    static constexpr uint64_t kSize = 4;

    ConsolePort(const GuestMemory& memory, Sink sink) : m_memory(memory), m_sink(std::move(sink)) { }

    /// Reads as all ones (nothing to read).
    void bus_read(uint64_t offset, std::span<uint8_t> data) override;
    /// A 4-byte write at offset 0: the record's address. Anything else is ignored.
    lib::Result<void> bus_write(uint64_t offset, std::span<const uint8_t> data) override;

private:
    const GuestMemory& m_memory;
    Sink m_sink;
};

} // namespace monitor
