#include "virtqueue.h"

#include <abi/virtio_wire.h>

#include <cstring>

namespace monitor::virtio {

namespace {

// VIRTIO 1.2 §2.7 descriptors and ring flags: the shared wire format.
using virtio_wire::Descriptor;
using namespace virtio_wire;

lib::Error fault(const char* message) { return lib::Error(lib::Errno::FAULT, message); }

uint16_t load_u16(const uint8_t* p) { return __atomic_load_n(reinterpret_cast<const uint16_t*>(p), __ATOMIC_ACQUIRE); }

} // namespace

lib::Result<Virtqueue> Virtqueue::create(const GuestMemory& memory, const QueueConfig& c)
{
    if (c.size == 0 || c.size > kMaxQueueSize || (c.size & (c.size - 1)))
        return lib::Error(lib::Errno::INVAL, "virtqueue size is not a power of two up to 256");
    if (c.desc % kDescriptorAlign || c.avail % kAvailAlign || c.used % kUsedAlign)
        return lib::Error(lib::Errno::INVAL, "virtqueue ring area misaligned");
    if (memory.span(c.desc, descriptor_table_bytes(c.size)).is_error()
        || memory.span(c.avail, avail_ring_bytes(c.size)).is_error()
        || memory.span(c.used, used_ring_bytes(c.size)).is_error())
        return fault("virtqueue ring area outside guest RAM");
    return Virtqueue(memory, c);
}

lib::Result<Buffer> Virtqueue::descriptor(uint16_t index, uint16_t& flags, uint16_t& next) const
{
    Descriptor d;
    auto raw = TRY(m_memory->span(m_config.desc + sizeof(Descriptor) * index, sizeof(Descriptor)));
    memcpy(&d, raw.data(), sizeof(d));
    if (d.flags & DescIndirect)
        return lib::Error(lib::Errno::INVAL, "indirect descriptor (VIRTIO_F_INDIRECT_DESC was not offered)");
    bool writable = d.flags & DescWrite;
    bool inside = writable ? !m_memory->span(d.addr, d.len).is_error() : !m_memory->read_span(d.addr, d.len).is_error();
    if (!inside)
        return fault("virtqueue buffer outside guest memory");
    flags = d.flags;
    next = d.next;
    return Buffer { d.addr, d.len, writable };
}

lib::Result<std::optional<Chain>> Virtqueue::pop()
{
    auto avail = TRY(m_memory->span(m_config.avail, kRingEntries + 2ull * m_config.size));
    uint16_t avail_idx = load_u16(avail.data() + kRingIndex);
    if (avail_idx == m_last_avail)
        return std::optional<Chain>();
    if (uint16_t(avail_idx - m_last_avail) > m_config.size)
        return lib::Error(lib::Errno::INVAL, "virtqueue available index moved past the queue size");
    uint16_t head;
    memcpy(&head, avail.data() + kRingEntries + 2 * (m_last_avail % m_config.size), 2);
    ++m_last_avail;
    Chain chain { head, {} };
    uint16_t index = head, flags = DescNext, next = 0;
    while (flags & DescNext) {
        if (index >= m_config.size)
            return lib::Error(lib::Errno::INVAL, "virtqueue descriptor index out of range");
        if (chain.buffers.size() == m_config.size)
            return lib::Error(lib::Errno::INVAL, "virtqueue descriptor chain loops");
        chain.buffers.push_back(TRY(descriptor(index, flags, next)));
        index = next;
    }
    return std::optional<Chain>(std::move(chain));
}

lib::Result<void> Virtqueue::push(uint16_t head, uint32_t written)
{
    auto used = TRY(m_memory->span(m_config.used, kRingEntries + sizeof(UsedElement) * m_config.size));
    UsedElement element { head, written };
    memcpy(used.data() + kRingEntries + sizeof(UsedElement) * (m_used_idx % m_config.size), &element, sizeof(element));
    ++m_used_idx;
    __atomic_store_n(reinterpret_cast<uint16_t*>(used.data() + kRingIndex), m_used_idx, __ATOMIC_RELEASE);
    return {};
}

bool Virtqueue::wants_interrupt() const
{
    auto avail = m_memory->span(m_config.avail, 2);
    return avail.is_error() || !(load_u16(avail->data() + kRingFlags) & kAvailNoInterrupt);
}

} // namespace monitor::virtio
