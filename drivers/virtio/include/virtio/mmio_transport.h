// virtio-mmio, version 2 (VIRTIO 1.2 §4.2): the register protocol and the device
// initialisation sequence over a RegisterIo, so the same code runs on the kernel's
// uncached mapping of the registers and on a fake register file in host tests. Legacy
// (version 1) devices are refused: QEMU needs `-global virtio-mmio.force-legacy=false`.
#pragma once

#include <abi/virtio_wire.h>
#include <virtio/transport.h>

#include <lib/result.h>

#include <cstdint>

namespace virtio {

// §4.2.2 register offsets, magic and version: the shared wire format (abi/virtio_wire.h).
using enum virtio_wire::MmioRegister;
using virtio_wire::kMmioMagic;
using virtio_wire::kMmioVersion;
/// Size of the register window below the configuration space; config space follows.
constexpr uint32_t kMmioMinWindow = 0x200;

/// Access to one device's register window. Control registers are 32-bit; the
/// configuration space is read with the width of each field (§4.2.2.2).
class RegisterIo {
public:
    virtual uint32_t read32(uint32_t offset) = 0;
    virtual void write32(uint32_t offset, uint32_t value) = 0;
    virtual uint16_t read16(uint32_t offset) = 0;
    virtual uint8_t read8(uint32_t offset) = 0;

protected:
    ~RegisterIo() = default;
};

class MmioTransport final : public Transport {
public:
    /// Checks the window: magic "virt" and version 2. Errors: NODEV (no magic, or device id
    /// 0: an empty transport slot), NOTSUP (legacy version 1 or an unknown version).
    /// `window_size` bounds configuration reads.
    lib::Result<void> attach(RegisterIo& registers, uint32_t window_size);

    DeviceId device_id() const override { return m_device_id; }
    lib::Result<uint64_t> negotiate(uint64_t wanted) override;
    lib::Result<uint16_t> queue_max_size(uint16_t index) override;
    lib::Result<void> enable_queue(uint16_t index, uint16_t size, const QueueAddresses& addresses) override;
    void notify(uint16_t index) override;
    lib::Result<uint64_t> read_config(uint32_t offset, unsigned width) override;
    void driver_ok() override;
    void fail() override;
    uint8_t status() override;
    uint32_t acknowledge_interrupt() override;

private:
    lib::Result<void> reset();
    void set_status_bit(uint8_t bit);
    uint64_t device_features();
    lib::Result<uint64_t> read_config_once(uint32_t offset, unsigned width);

    RegisterIo* m_registers = nullptr;
    uint32_t m_window_size = 0;
    DeviceId m_device_id = DeviceId::None;
};

} // namespace virtio
