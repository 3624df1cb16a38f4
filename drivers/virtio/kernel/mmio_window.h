// A virtio-mmio register window in the kernel: the RegisterIo of mmio_transport.h over an
// uncached mapping (mm::map_device_memory). Accesses are volatile and of exactly the
// width asked (VIRTIO 1.2 §4.2.2.2: 32-bit control registers, field-width config reads).
#pragma once

#include <virtio/mmio_transport.h>

#include <lib/result.h>

#include <cstdint>

namespace virtio {

class MmioWindow final : public RegisterIo {
public:
    /// Maps [base, base+size) uncached. Errors: those of mm::map_device_memory.
    lib::Result<void> map(uint64_t base, uint32_t size);

    uint32_t read32(uint32_t offset) override { return *reinterpret_cast<volatile uint32_t*>(m_base + offset); }
    uint16_t read16(uint32_t offset) override { return *reinterpret_cast<volatile uint16_t*>(m_base + offset); }
    uint8_t read8(uint32_t offset) override { return *reinterpret_cast<volatile uint8_t*>(m_base + offset); }
    void write32(uint32_t offset, uint32_t value) override
    {
        *reinterpret_cast<volatile uint32_t*>(m_base + offset) = value;
    }

private:
    volatile uint8_t* m_base = nullptr;
};

} // namespace virtio
