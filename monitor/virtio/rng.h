// virtio-rng (VIRTIO 1.2 §5.4): one request queue; each chain's device-writable buffers
// are filled from the host's getrandom(2).
#pragma once

#include "device.h"

namespace monitor::virtio {

class RngDevice final : public Device {
public:
    explicit RngDevice(const GuestMemory& memory) : m_memory(memory) { }
    uint32_t device_id() const override { return kDeviceRng; }
    uint64_t features() const override { return 0; }
    size_t queue_count() const override { return 1; }
    void read_config(uint64_t offset, std::span<uint8_t> data) const override { read_config_bytes({}, offset, data); }
    lib::Result<bool> process(size_t index, Virtqueue& queue) override;

private:
    const GuestMemory& m_memory;
};

} // namespace monitor::virtio
