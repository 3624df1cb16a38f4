// Test support for the virtio host tests: "guest physical memory" (an aligned arena with a
// fake physical base) and a fake device that consumes a split virtqueue from the device
// side, as QEMU or the monitor would (VIRTIO 1.2 §2.7), with switches for misbehaviour.
#pragma once

#include <virtio/virtqueue.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <vector>

namespace virtio_test {

class FakeMemory {
public:
    static constexpr uint64_t kPhysBase = 0x4000'0000;
    explicit FakeMemory(size_t bytes) : m_size(bytes), m_bytes(static_cast<uint8_t*>(std::aligned_alloc(4096, bytes)))
    {
        std::memset(m_bytes, 0, bytes);
    }
    ~FakeMemory() { std::free(m_bytes); }
    FakeMemory(const FakeMemory&) = delete;

    /// Hands out `bytes` of zeroed memory aligned to `alignment`; its physical address via phys().
    void* allocate(size_t bytes, size_t alignment = 16)
    {
        m_next = (m_next + alignment - 1) / alignment * alignment;
        if (m_next + bytes > m_size)
            throw std::runtime_error("fake memory exhausted");
        void* p = m_bytes + m_next;
        m_next += bytes;
        return p;
    }
    uint64_t phys(const void* p) const { return kPhysBase + uint64_t(static_cast<const uint8_t*>(p) - m_bytes); }
    /// The device's view: a physical range, which must lie inside the arena.
    uint8_t* at(uint64_t phys, size_t length) const
    {
        if (phys < kPhysBase || phys - kPhysBase + length > m_size)
            throw std::runtime_error("fake device: physical address outside guest memory");
        return m_bytes + (phys - kPhysBase);
    }
    virtio::RingMemory ring(uint16_t size)
    {
        void* desc = allocate(virtio::descriptor_table_bytes(size), 16);
        void* avail = allocate(virtio::avail_ring_bytes(size), 2);
        void* used = allocate(virtio::used_ring_bytes(size), 4);
        return { desc, phys(desc), avail, phys(avail), used, phys(used) };
    }

private:
    size_t m_size;
    uint8_t* m_bytes;
    size_t m_next = 0;
};

/// One chain as the device sees it.
struct DeviceChain {
    uint16_t head;
    std::vector<uint8_t> readable;                       // concatenated device-readable bytes
    std::vector<std::pair<uint8_t*, uint32_t>> writable; // device-writable buffers
};

class FakeDevice {
public:
    FakeDevice(FakeMemory& memory, const virtio::RingMemory& ring, uint16_t size)
        : m_memory(memory), m_ring(ring), m_size(size)
    {
    }

    /// Takes every newly available chain (§2.7.6) in order.
    std::vector<DeviceChain> take_available()
    {
        std::vector<DeviceChain> chains;
        auto* avail = static_cast<uint16_t*>(m_ring.avail);
        for (; m_last_avail != avail[1]; ++m_last_avail)
            chains.push_back(walk(avail[2 + (m_last_avail % m_size)]));
        return chains;
    }
    /// Adds a used element (§2.7.8) and publishes it.
    void push_used(uint32_t id, uint32_t len)
    {
        auto* used = static_cast<uint8_t*>(m_ring.used);
        auto* element = reinterpret_cast<virtio::UsedElement*>(used + 4) + (m_used_idx % m_size);
        *element = { id, len };
        ++m_used_idx;
        publish_used_idx(m_used_idx);
    }
    void publish_used_idx(uint16_t idx) { reinterpret_cast<uint16_t*>(m_ring.used)[1] = idx; }
    void set_no_notify(bool on) { reinterpret_cast<uint16_t*>(m_ring.used)[0] = on ? virtio::kUsedNoNotify : 0; }
    uint16_t used_idx() const { return m_used_idx; }

private:
    DeviceChain walk(uint16_t head)
    {
        DeviceChain chain { head, {}, {} };
        auto* table = static_cast<virtio::Descriptor*>(m_ring.desc);
        uint16_t id = head;
        for (unsigned n = 0; n < m_size; ++n) { // a loop in the chain cannot hang the device
            if (id >= m_size)
                throw std::runtime_error("fake device: descriptor id out of range");
            const virtio::Descriptor& d = table[id];
            uint8_t* data = m_memory.at(d.addr, d.len);
            if (d.flags & virtio::DescWrite)
                chain.writable.emplace_back(data, d.len);
            else
                chain.readable.insert(chain.readable.end(), data, data + d.len);
            if (!(d.flags & virtio::DescNext))
                return chain;
            id = d.next;
        }
        throw std::runtime_error("fake device: descriptor chain loops");
    }

    FakeMemory& m_memory;
    virtio::RingMemory m_ring;
    uint16_t m_size;
    uint16_t m_last_avail = 0;
    uint16_t m_used_idx = 0;
};

} // namespace virtio_test
