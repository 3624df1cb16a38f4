// What a virtio device driver needs from its transport (VIRTIO 1.2 §4): feature
// negotiation, queue set-up, notifications, the device-specific configuration space and
// the status byte. virtio-mmio implements it today (mmio_transport.h), PCI later; device
// drivers (blk, rng) see only this interface. Portable.
#pragma once

#include <abi/virtio_wire.h>
#include <lib/result.h>

#include <cstdint>

namespace virtio {

/// VIRTIO 1.2 §2.1: device status bits (the shared wire format).
using virtio_wire::Status;
using enum virtio_wire::Status;

/// VIRTIO 1.2 §5 device ids and §6 reserved feature bits (the shared wire format).
using virtio_wire::DeviceId;
using virtio_wire::kFeatureAccessPlatform;
using virtio_wire::kFeatureVersion1;

/// Physical addresses of one queue's three parts (§2.7), for enable_queue().
struct QueueAddresses {
    uint64_t desc;
    uint64_t driver; // available ring
    uint64_t device; // used ring
};

class Transport {
public:
    virtual DeviceId device_id() const = 0;

    /// VIRTIO 1.2 §3.1.1 steps 1-6: reset, ACKNOWLEDGE, DRIVER, read the device's features,
    /// write back `wanted & offered` plus VIRTIO_F_VERSION_1, set FEATURES_OK and check that
    /// the device kept it. Returns the negotiated features. Errors: NOTSUP (no VERSION_1 or
    /// FEATURES_OK refused), IO (reset never completed); status is FAILED after an error.
    virtual lib::Result<uint64_t> negotiate(uint64_t wanted) = 0;

    /// Largest size the device allows for queue `index`. Errors: NODEV (no such queue),
    /// BUSY (the queue is already live).
    virtual lib::Result<uint16_t> queue_max_size(uint16_t index) = 0;

    /// Gives queue `index` its size and ring addresses and marks it ready (§4.2.3.2).
    /// Errors: INVAL (size above the maximum), NODEV, BUSY.
    virtual lib::Result<void> enable_queue(uint16_t index, uint16_t size, const QueueAddresses& addresses) = 0;

    /// Tells the device that queue `index` has new buffers (§2.7.13.4 / §4.2.3.3).
    virtual void notify(uint16_t index) = 0;

    /// Reads `width` (1, 2, 4 or 8) bytes of the device-specific configuration at
    /// `offset`, consistently across a configuration change (§2.5.1, generation counter).
    /// Errors: INVAL (bad width or alignment), AGAIN (kept changing).
    virtual lib::Result<uint64_t> read_config(uint32_t offset, unsigned width) = 0;

    /// Sets DRIVER_OK: the device is live (§3.1.1 step 8).
    virtual void driver_ok() = 0;
    /// Sets FAILED: the driver gave up on the device (§2.1.1).
    virtual void fail() = 0;
    /// The current status byte.
    virtual uint8_t status() = 0;
    /// Reads and acknowledges the device's interrupt causes (bit 0: used buffer, bit 1:
    /// configuration change), so the interrupt line drops (§4.2.2 InterruptStatus/ACK).
    virtual uint32_t acknowledge_interrupt() = 0;

protected:
    ~Transport() = default;
};

} // namespace virtio
