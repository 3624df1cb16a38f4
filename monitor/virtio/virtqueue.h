// The device side of a split virtqueue (VIRTIO 1.2 §2.7) over guest memory. Everything
// the guest wrote (ring indices, descriptors, buffer addresses and lengths) is copied once
// and checked before use: a head or next index out of range, a descriptor chain longer
// than the queue (a loop), an indirect descriptor (VIRTIO_F_INDIRECT_DESC is not offered),
// an available index more than the queue size ahead, or a buffer outside guest memory is
// an error (FAULT or INVAL) that ends the VM.
#pragma once

#include "../guest_memory.h"

#include <optional>
#include <vector>

namespace monitor::virtio {

inline constexpr uint16_t kMaxQueueSize = 256;

struct QueueConfig {
    uint16_t size = 0;
    uint64_t desc = 0, avail = 0, used = 0; // guest-physical ring areas
};

/// One guest buffer of a chain, already checked to lie inside guest memory (writable RAM
/// when `device_writable`).
struct Buffer {
    uint64_t addr;
    uint32_t len;
    bool device_writable;
};

struct Chain {
    uint16_t head;
    std::vector<Buffer> buffers;
};

class Virtqueue {
public:
    /// Checks `config` (size a power of two up to kMaxQueueSize, ring areas aligned as
    /// §2.7 requires and inside guest RAM). Errors: INVAL (size, alignment), FAULT.
    static lib::Result<Virtqueue> create(const GuestMemory& memory, const QueueConfig& config);

    /// The next available descriptor chain (§2.7.13), or nullopt when the ring is empty.
    lib::Result<std::optional<Chain>> pop();
    /// Returns chain `head` with `written` bytes written by the device (§2.7.8).
    lib::Result<void> push(uint16_t head, uint32_t written);
    /// Whether the driver wants an interrupt now (avail flags, §2.7.10; no EVENT_IDX).
    bool wants_interrupt() const;

    /// Serves every available chain in turn: `serve(chain)` gives the bytes it wrote (a
    /// lib::Result<uint32_t>), and the chain goes back used. Whether any chain was served;
    /// the first error stops it.
    template<typename Serve> lib::Result<bool> serve_each(Serve&& serve)
    {
        bool used = false;
        while (auto chain = TRY(pop())) {
            TRY(push(chain->head, TRY(serve(*chain))));
            used = true;
        }
        return used;
    }

    /// The device's own ring positions (snapshots): the next available entry to take and
    /// the used index it last published.
    uint16_t last_avail() const { return m_last_avail; }
    uint16_t used_index() const { return m_used_idx; }
    void set_positions(uint16_t last_avail, uint16_t used_index)
    {
        m_last_avail = last_avail;
        m_used_idx = used_index;
    }

private:
    Virtqueue(const GuestMemory& memory, const QueueConfig& config) : m_memory(&memory), m_config(config) { }
    lib::Result<Buffer> descriptor(uint16_t index, uint16_t& flags, uint16_t& next) const;

    const GuestMemory* m_memory;
    QueueConfig m_config;
    uint16_t m_last_avail = 0;
    uint16_t m_used_idx = 0;
};

} // namespace monitor::virtio
