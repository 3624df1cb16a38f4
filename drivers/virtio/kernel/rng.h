// virtio entropy device (VIRTIO 1.2 §5.4): one request queue of device-writable buffers
// the device fills with random bytes. The kernel's random source (entropy::random_bytes)
// reads from it when one is present.
#pragma once

#include <drivers/virtio/kernel/device_queue.h>

#include <virtio/transport.h>

#include <lib/result.h>

#include <cstddef>
#include <cstdint>

namespace virtio {

class RngDevice {
public:
    /// Initialises the device (§3.1.1, no device features) with its request queue.
    /// Errors: those of negotiation and queue set-up; the device is FAILED after one.
    lib::Result<void> init(Transport& transport, DeviceInterrupt* interrupt = nullptr);

    /// Fills `buffer` with `length` bytes from the device, in requests of up to one page.
    /// Errors: those of DeviceQueue::run, IO (the device kept returning no bytes).
    lib::Result<void> read(void* buffer, size_t length);

    uint64_t requests() const { return m_requests; }

private:
    DeviceQueue m_queue;
    DmaPage m_buffer = {};
    uint64_t m_requests = 0;
};

/// The entropy device found at boot, or nullptr.
RngDevice* entropy_device();
/// Fills `buffer` from the entropy device; false (and nothing promised about `buffer`)
/// without a working one, so the caller falls back to another source.
bool read_entropy(void* buffer, size_t length);

} // namespace virtio
