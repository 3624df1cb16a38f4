#include <drivers/virtio/kernel/net.h>

#include <drivers/virtio/kernel/probe.h>

#include <cstring>

namespace virtio {

namespace {

constexpr uint16_t kReceiveQueue = 0, kTransmitQueue = 1; // §5.1.2
constexpr uint64_t kFeatureMac = 1ull << 5;               // VIRTIO_NET_F_MAC, §5.1.3
// struct virtio_net_hdr (§5.1.6) with VIRTIO_F_VERSION_1: flags, gso_type, hdr_len,
// gso_size, csum_start, csum_offset, num_buffers. All zero on transmit: no offloads.
constexpr size_t kHeaderBytes = 12;

} // namespace

lib::Result<void> NetDevice::allocate(Slots& slots, uint16_t count)
{
    for (uint16_t page = 0; page * kSlotsPerPage < count; ++page)
        slots.pages[page] = TRY(alloc_dma_page());
    slots.count = count;
    return {};
}

lib::Result<void> NetDevice::init(Transport& transport, DeviceInterrupt* interrupt)
{
    uint64_t features = TRY(transport.negotiate(kFeatureMac));
    auto ready = [&]() -> lib::Result<void> {
        if (features & kFeatureMac) {
            for (unsigned i = 0; i < 6; ++i)
                m_mac[i] = uint8_t(TRY(transport.read_config(i, 1)));
        } else { // a locally administered, unicast address (IEEE 802 bit 1 of byte 0)
            const uint8_t fallback[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
            memcpy(m_mac, fallback, sizeof(m_mac));
        }
        TRY(m_receive_queue.setup(transport, kReceiveQueue, kMaxQueueSize, interrupt));
        TRY(m_transmit_queue.setup(transport, kTransmitQueue, kMaxQueueSize, interrupt));
        TRY(allocate(m_receive_slots, m_receive_queue.size()));
        TRY(allocate(m_transmit_slots, m_transmit_queue.size()));
        for (uint16_t slot = 0; slot < m_receive_slots.count; ++slot)
            TRY(post_receive(slot));
        for (uint16_t slot = m_transmit_slots.count; slot > 0; --slot)
            m_free_transmit[m_free_transmit_count++] = uint16_t(slot - 1);
        return {};
    }();
    if (ready.is_error()) { // DMA pages stay allocated: the device may have seen them
        transport.fail();
        return ready.error();
    }
    m_transport = &transport;
    m_interrupt = interrupt;
    transport.driver_ok();
    m_receive_queue.kick();
    return {};
}

lib::Result<void> NetDevice::post_receive(uint16_t slot)
{
    Segment buffer[] = { { m_receive_slots.phys(slot), uint32_t(kSlotBytes), Access::DeviceWrites } };
    uint16_t head = TRY(m_receive_queue.post(buffer));
    m_receive_slot_of[head] = slot;
    return {};
}

lib::Result<size_t> NetDevice::receive(FrameSink sink, void* context, size_t budget)
{
    if (!m_transport)
        return lib::Error(lib::Errno::IO, "virtio-net: device not running");
    size_t frames = 0;
    while (frames < budget) {
        auto used = TRY(m_receive_queue.take_used());
        if (!used)
            break;
        uint16_t slot = m_receive_slot_of[used->head];
        // SplitQueue checked `written` against the buffer; a frame shorter than the header
        // (or an empty one) is dropped.
        if (used->written > kHeaderBytes) {
            sink(context, m_receive_slots.virt(slot) + kHeaderBytes, used->written - kHeaderBytes);
            ++m_frames_received;
        }
        TRY(post_receive(slot));
        ++frames;
    }
    if (frames)
        m_receive_queue.kick();
    return frames;
}

lib::Result<void> NetDevice::reclaim_transmitted()
{
    for (;;) {
        auto used = TRY(m_transmit_queue.take_used());
        if (!used)
            return {};
        m_free_transmit[m_free_transmit_count++] = m_transmit_slot_of[used->head];
    }
}

lib::Result<bool> NetDevice::transmitting()
{
    if (!m_transport)
        return false;
    TRY(reclaim_transmitted());
    return m_free_transmit_count < m_transmit_slots.count;
}

lib::Result<void> NetDevice::transmit(size_t length, FrameSource fill, void* context)
{
    if (!m_transport)
        return lib::Error(lib::Errno::IO, "virtio-net: device not running");
    if (length > kMaxFrame)
        return lib::Error(lib::Errno::INVAL, "virtio-net: frame longer than the MTU");
    TRY(reclaim_transmitted());
    if (m_free_transmit_count == 0)
        return lib::Error(lib::Errno::AGAIN, "virtio-net: every transmit buffer is in flight");
    uint16_t slot = m_free_transmit[--m_free_transmit_count];
    uint8_t* buffer = m_transmit_slots.virt(slot);
    memset(buffer, 0, kHeaderBytes);
    fill(context, buffer + kHeaderBytes, length);
    Segment frame[] = { { m_transmit_slots.phys(slot), uint32_t(kHeaderBytes + length), Access::DeviceReads } };
    auto head = m_transmit_queue.post(frame);
    if (head.is_error()) {
        m_free_transmit[m_free_transmit_count++] = slot;
        return head.error();
    }
    m_transmit_slot_of[head.value()] = slot;
    m_transmit_queue.kick();
    ++m_frames_sent;
    return {};
}

NetDevice* network_device() { return probed_devices().net; }

} // namespace virtio
