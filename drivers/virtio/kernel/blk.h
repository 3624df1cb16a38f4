// virtio block device (VIRTIO 1.2 §5.2): sectors of 512 bytes read, written and flushed
// through one request queue. Data goes through the driver's own DMA pages (a bounce
// buffer of kBouncePages), so callers may pass any kernel memory; one request moves at
// most that much and longer transfers are split.
#pragma once

#include <drivers/virtio/kernel/device_queue.h>

#include <virtio/transport.h>

#include <abi/virtio_wire.h>
#include <lib/result.h>

#include <cstddef>
#include <cstdint>
#include <span>

namespace virtio {

constexpr size_t kSectorSize = virtio_wire::kBlkSectorSize;

class BlkDevice {
public:
    static constexpr size_t kBouncePages = 16;

    /// Initialises the device: features (SEG_MAX, RO, FLUSH), the request queue, the
    /// capacity. Errors: those of negotiation and queue set-up, NOMEM.
    lib::Result<void> init(Transport& transport, DeviceInterrupt* interrupt = nullptr);

    /// Reads buffer.size() / 512 sectors from `sector`. Errors: INVAL (size not a nonzero
    /// multiple of 512, range beyond the capacity), IO (the device reported an error, or
    /// answered with a short length), NOTSUP (the device does not support the request),
    /// and those of DeviceQueue::run.
    lib::Result<void> read(uint64_t sector, std::span<std::byte> buffer);
    /// Writes buffer.size() / 512 sectors at `sector`. Errors: as read(), and ROFS on a
    /// read-only device.
    lib::Result<void> write(uint64_t sector, std::span<const std::byte> buffer);
    /// Makes completed writes durable (VIRTIO_BLK_T_FLUSH, §5.2.6). Without
    /// VIRTIO_BLK_F_FLUSH there is no flush request to send: this succeeds without one and
    /// durability is whatever the device gives completed writes. Errors: as read().
    lib::Result<void> flush();

    uint64_t capacity_sectors() const { return m_capacity; }
    bool read_only() const { return m_features & virtio_wire::BlkFeatureReadOnly; }
    bool flush_offered() const { return m_features & virtio_wire::BlkFeatureFlush; }
    /// The device's interrupt line (null when probed without one).
    DeviceInterrupt* interrupt() const { return m_interrupt; }

private:
    lib::Result<void> check_range(uint64_t sector, size_t bytes) const;
    /// Moves `size` bytes at `sector` in requests of `type` as large as the bounce pages
    /// allow: from `from` for a write, into `into` for a read.
    lib::Result<void> transfer(
        virtio_wire::BlkRequestType type, uint64_t sector, size_t size, const std::byte* from, std::byte* into);
    /// One request through the header and bounce pages; the caller holds the queue.
    lib::Result<void> request(virtio_wire::BlkRequestType type, uint64_t sector, size_t bytes);
    lib::Result<void> setup_buffers(Transport& transport, DeviceInterrupt* interrupt);
    DeviceInterrupt* m_interrupt = nullptr;

    DeviceQueue m_queue;
    DmaPage m_header = {}; // request header at 0, status byte at kStatusOffset
    DmaPage m_bounce[kBouncePages] = {};
    size_t m_pages_per_request = kBouncePages;
    uint64_t m_features = 0;
    uint64_t m_capacity = 0;
};

} // namespace virtio
