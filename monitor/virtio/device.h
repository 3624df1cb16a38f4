// A virtio device model, independent of the transport (the Firecracker split): the
// transport (mmio_transport.h) owns feature negotiation, queue set-up, status and
// interrupts; the device only says what it is and serves its queues.
#pragma once

#include "virtqueue.h"

#include <span>

namespace monitor::virtio {

// VIRTIO 1.2 §5 device IDs; §6 reserved feature bits.
inline constexpr uint32_t kDeviceNet = 1, kDeviceBlock = 2, kDeviceRng = 4;
inline constexpr uint64_t kFeatureVersion1 = 1ull << 32;

class Device {
public:
    virtual ~Device() = default;
    virtual uint32_t device_id() const = 0;
    /// Device-specific feature bits (the transport adds VIRTIO_F_VERSION_1).
    virtual uint64_t features() const = 0;
    virtual size_t queue_count() const = 0;
    /// Reads device configuration space (§4.2.2 offset 0x100 on); out of range reads 0.
    virtual void read_config(uint64_t offset, std::span<uint8_t> data) const = 0;
    /// Serves every available chain of `queue` (number `index`). Returns whether used
    /// buffers were added. Errors end the VM (a malformed chain).
    virtual lib::Result<bool> process(size_t index, Virtqueue& queue) = 0;
    /// The driver reset the device (§2.1.2): forget queue state.
    virtual void reset() { }
};

/// Copies `value`'s bytes at [offset, offset + data.size()) into `data`, zero past its end.
void read_config_bytes(std::span<const uint8_t> value, uint64_t offset, std::span<uint8_t> data);

} // namespace monitor::virtio
