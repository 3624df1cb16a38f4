// Split virtqueue, driver side (VIRTIO 1.2 §2.7). Ring layouts:
//   avail (§2.7.6): le16 flags, le16 idx, le16 ring[size], le16 used_event
//   used  (§2.7.8): le16 flags, le16 idx, {le32 id, le32 len} ring[size], le16 avail_event
// Indices are free-running 16-bit counters; the slot is idx % size (size is a power of 2).
// Shared words are accessed with GCC atomics: on x86 release/acquire are compiler barriers,
// the full fence before reading the device's flags is an mfence (§2.7.13.4 needs it).
#include <virtio/virtqueue.h>

namespace virtio {

namespace {

using virtio_wire::kRingEntries;
using virtio_wire::kRingFlags;
using virtio_wire::kRingIndex;

uint16_t* word_at(uint8_t* base, size_t offset) { return reinterpret_cast<uint16_t*>(base + offset); }

bool aligned(const void* p, size_t alignment) { return reinterpret_cast<uintptr_t>(p) % alignment == 0; }

lib::Result<void> check_chain(std::span<const Segment> chain)
{
    if (chain.empty())
        return lib::Error(lib::Errno::INVAL, "virtqueue: empty chain");
    bool writable_seen = false;
    uint64_t writable = 0;
    for (const Segment& s : chain) {
        if (s.length == 0)
            return lib::Error(lib::Errno::INVAL, "virtqueue: zero-length buffer");
        if (s.access == Access::DeviceReads && writable_seen)
            return lib::Error(lib::Errno::INVAL, "virtqueue: device-readable buffer after a writable one");
        if (s.access == Access::DeviceWrites) {
            writable_seen = true;
            writable += s.length;
        }
    }
    if (writable > UINT32_MAX)
        return lib::Error(lib::Errno::INVAL, "virtqueue: writable buffers exceed 4 GiB");
    return {};
}

} // namespace

lib::Result<void> SplitQueue::init(uint16_t size, const RingMemory& memory)
{
    if (size == 0 || size > kMaxQueueSize || (size & (size - 1)))
        return lib::Error(lib::Errno::INVAL, "virtqueue: size must be a power of two up to 256");
    if (!memory.desc || !memory.avail || !memory.used || !aligned(memory.desc, kDescriptorAlign)
        || !aligned(memory.avail, kAvailAlign) || !aligned(memory.used, kUsedAlign)
        || memory.desc_phys % kDescriptorAlign || memory.avail_phys % kAvailAlign || memory.used_phys % kUsedAlign)
        return lib::Error(lib::Errno::INVAL, "virtqueue: ring memory missing or misaligned");
    m_desc = static_cast<Descriptor*>(memory.desc);
    m_avail = static_cast<uint8_t*>(memory.avail);
    m_used = static_cast<uint8_t*>(memory.used);
    m_size = size;
    for (uint16_t i = 0; i < size; ++i) {
        m_next[i] = uint16_t(i + 1);
        m_chain_length[i] = 0;
    }
    m_free_head = 0;
    m_free_count = size;
    m_avail_idx = m_last_used = m_in_flight = 0;
    m_broken = false;
    return {};
}

lib::Result<uint16_t> SplitQueue::submit(std::span<const Segment> chain)
{
    if (m_broken)
        return lib::Error(lib::Errno::IO, "virtqueue: broken or not initialised");
    TRY(check_chain(chain));
    if (chain.size() > m_free_count)
        return lib::Error(lib::Errno::NOSPC, "virtqueue: not enough free descriptors");
    uint16_t head = m_free_head, id = head;
    uint32_t writable = 0;
    for (size_t i = 0; i < chain.size(); ++i) {
        const Segment& s = chain[i];
        bool last = i + 1 == chain.size();
        uint16_t flags = uint16_t((last ? 0 : DescNext) | (s.access == Access::DeviceWrites ? DescWrite : 0));
        m_desc[id] = Descriptor { s.phys, s.length, flags, last ? uint16_t(0) : m_next[id] };
        if (s.access == Access::DeviceWrites)
            writable += s.length;
        if (!last)
            id = m_next[id];
    }
    m_free_head = m_next[id];
    m_free_count = uint16_t(m_free_count - chain.size());
    m_chain_length[head] = uint16_t(chain.size());
    m_writable_bytes[head] = writable;
    ++m_in_flight;
    // §2.7.13.2-3: the ring entry, then (release) the index the device polls.
    __atomic_store_n(word_at(m_avail, kRingEntries + 2 * (m_avail_idx & (m_size - 1))), head, __ATOMIC_RELAXED);
    ++m_avail_idx;
    __atomic_store_n(word_at(m_avail, kRingIndex), m_avail_idx, __ATOMIC_RELEASE);
    return head;
}

bool SplitQueue::device_wants_notification() const
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST); // §2.7.13.4: idx store before the flags load
    return !(__atomic_load_n(word_at(m_used, kRingFlags), __ATOMIC_RELAXED) & kUsedNoNotify);
}

lib::Result<std::optional<Completion>> SplitQueue::take_used()
{
    if (m_broken)
        return lib::Error(lib::Errno::IO, "virtqueue: broken or not initialised");
    uint16_t used_idx = __atomic_load_n(word_at(m_used, kRingIndex), __ATOMIC_ACQUIRE);
    uint16_t pending = uint16_t(used_idx - m_last_used);
    if (pending == 0)
        return std::optional<Completion>();
    if (pending > m_in_flight)
        return fail("virtqueue: device's used index ran ahead of the chains in flight");
    auto* element = reinterpret_cast<UsedElement*>(m_used + kRingEntries) + (m_last_used & (m_size - 1));
    UsedElement used { __atomic_load_n(&element->id, __ATOMIC_RELAXED),
        __atomic_load_n(&element->len, __ATOMIC_RELAXED) };
    if (used.id >= m_size || m_chain_length[used.id] == 0)
        return fail("virtqueue: device returned an id that is not a chain in flight");
    if (used.len > m_writable_bytes[used.id])
        return fail("virtqueue: device claims more bytes than the chain's writable buffers");
    ++m_last_used;
    release_chain(uint16_t(used.id));
    return std::optional<Completion>(Completion { uint16_t(used.id), used.len });
}

void SplitQueue::release_chain(uint16_t head)
{
    uint16_t last = head;
    for (uint16_t i = 1; i < m_chain_length[head]; ++i)
        last = m_next[last];
    m_next[last] = m_free_head;
    m_free_head = head;
    m_free_count = uint16_t(m_free_count + m_chain_length[head]);
    m_chain_length[head] = 0;
    --m_in_flight;
}

lib::Error SplitQueue::fail(const char* why)
{
    m_broken = true;
    return lib::Error(lib::Errno::IO, why);
}

} // namespace virtio
