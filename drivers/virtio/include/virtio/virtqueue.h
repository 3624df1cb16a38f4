// The split virtqueue, driver side (VIRTIO 1.2 §2.7). Portable: the kernel and the host
// tests compile the same code. The caller provides the ring memory (zeroed, visible to the
// device at the given physical addresses) and the buffers' physical addresses; the queue
// knows nothing about page frames, transports or devices.
//
// Nothing the device writes is trusted: used ids, lengths and the used index are checked
// against what the driver has in flight, and a queue that received a bad answer is broken
// (every later call fails with EIO) until it is initialised again.
//
// Not supported (never negotiated): indirect descriptors, VIRTIO_F_EVENT_IDX, packed rings.
#pragma once

#include <abi/virtio_wire.h>
#include <lib/result.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace virtio {

// §2.7 ring entries and flags: the shared wire format (abi/virtio_wire.h).
using virtio_wire::Descriptor;
using virtio_wire::UsedElement;
using enum virtio_wire::DescriptorFlag;
using virtio_wire::kUsedNoNotify;

/// Largest queue this driver sets up (the private bookkeeping is sized for it); devices
/// offering more get this many (§4.2.3.2: the driver may choose a smaller size).
constexpr uint16_t kMaxQueueSize = 256;

/// Bytes and alignment of the three parts (§2.7 table "Virtqueue Part Alignment").
using virtio_wire::avail_ring_bytes;
using virtio_wire::descriptor_table_bytes;
using virtio_wire::kAvailAlign;
using virtio_wire::kDescriptorAlign;
using virtio_wire::kUsedAlign;
using virtio_wire::used_ring_bytes;

/// Where the three parts live: a kernel-visible pointer and the device's (physical) address.
struct RingMemory {
    void* desc;
    uint64_t desc_phys;
    void* avail;
    uint64_t avail_phys;
    void* used;
    uint64_t used_phys;
};

enum class Access { DeviceReads, DeviceWrites };

/// One buffer of a chain, by physical address.
struct Segment {
    uint64_t phys;
    uint32_t length;
    Access access;
};

/// A chain the device has finished with: its head id and the bytes it says it wrote.
struct Completion {
    uint16_t head;
    uint32_t written;
};

class SplitQueue {
public:
    /// Sets the queue up over `memory` for `size` entries (a power of two, 1..kMaxQueueSize).
    /// The memory must be zeroed, aligned and as large as the *_bytes() functions say.
    /// Errors: EINVAL (bad size, misaligned or missing memory).
    lib::Result<void> init(uint16_t size, const RingMemory& memory);

    /// Places a chain in the descriptor table and makes it available (§2.7.13). Readable
    /// segments must precede writable ones (§2.7.4.2). Returns the head id. Errors: EINVAL
    /// (empty chain, zero-length segment, readable after writable, writable bytes beyond
    /// 4 GiB), NOSPC (not enough free descriptors), EIO (queue broken or not initialised).
    lib::Result<uint16_t> submit(std::span<const Segment> chain);

    /// Whether the device wants a notification after submit() (§2.7.10, no EVENT_IDX).
    bool device_wants_notification() const;

    /// The next used chain, or nullopt when the device has returned nothing new. Errors:
    /// EIO when the device answered with an id that is not a chain in flight, a length
    /// larger than the chain's writable bytes, or a used index that ran ahead; the queue
    /// is then broken.
    lib::Result<std::optional<Completion>> take_used();

    uint16_t size() const { return m_size; }
    uint16_t free_descriptors() const { return m_free_count; }
    uint16_t chains_in_flight() const { return m_in_flight; }
    bool broken() const { return m_broken; }

private:
    lib::Error fail(const char* why);
    void release_chain(uint16_t head);

    Descriptor* m_desc = nullptr;
    uint8_t* m_avail = nullptr;
    uint8_t* m_used = nullptr;
    uint16_t m_size = 0;
    uint16_t m_free_head = 0;
    uint16_t m_free_count = 0;
    uint16_t m_avail_idx = 0; // next avail->idx to publish
    uint16_t m_last_used = 0; // used->idx we have consumed up to
    uint16_t m_in_flight = 0; // chains the device holds
    bool m_broken = true;
    // Private copies, so a device scribbling on the table cannot corrupt the free list.
    uint16_t m_next[kMaxQueueSize] = {};
    uint16_t m_chain_length[kMaxQueueSize] = {}; // nonzero: head of a chain in flight
    uint32_t m_writable_bytes[kMaxQueueSize] = {};
};

} // namespace virtio
