// A virtio device model, independent of the transport (the Firecracker split): the
// transport (mmio_transport.h) owns feature negotiation, queue set-up, status and
// interrupts; the device only says what it is and serves its queues.
#pragma once

#include "virtqueue.h"

#include <abi/virtio_wire.h>

#include <span>

namespace monitor::virtio {

// VIRTIO 1.2 §5 device IDs; §6 reserved feature bits (include/abi/virtio_wire.h).
inline constexpr uint32_t kDeviceNet = uint32_t(virtio_wire::DeviceId::Net);
inline constexpr uint32_t kDeviceBlock = uint32_t(virtio_wire::DeviceId::Block);
inline constexpr uint32_t kDeviceRng = uint32_t(virtio_wire::DeviceId::Entropy);
inline constexpr uint32_t kDeviceNineP = uint32_t(virtio_wire::DeviceId::NineP);
using virtio_wire::kFeatureVersion1;

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
    /// Chains of queue `index` the device has popped and holds without having used them
    /// yet, always the last ones popped (a receive buffer waiting for a frame). A snapshot
    /// saves the queue's position before them, so the restored device pops them again.
    virtual uint16_t chains_held(size_t index) const { return 0; }
    /// The transport's state came from a snapshot, with DRIVER_OK set and the queues whose
    /// bit is set in `ready_queues` set up: the guest may have posted buffers on them that
    /// this device instance never saw a notify for.
    virtual void restored(uint64_t ready_queues) { }
};

/// Copies `value`'s bytes at [offset, offset + data.size()) into `data`, zero past its end.
inline void read_config_bytes(std::span<const uint8_t> value, uint64_t offset, std::span<uint8_t> data)
{
    for (size_t i = 0; i < data.size(); ++i)
        data[i] = offset + i < value.size() ? value[offset + i] : 0;
}

} // namespace monitor::virtio
