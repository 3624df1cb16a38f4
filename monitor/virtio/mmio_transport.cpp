#include "mmio_transport.h"

#include <abi/virtio_wire.h>

#include <cstring>

namespace monitor::virtio {

namespace {

// VIRTIO 1.2 §4.2.2 registers and §2.1 status bits: the shared wire format.
using namespace virtio_wire;
constexpr uint32_t kVendor = 0x4f535052; // "OSPR"
constexpr uint32_t kUsedBufferInterrupt = 1;

void set_half(uint64_t& value, bool high, uint32_t half)
{
    value = high ? (value & 0xffffffffull) | (uint64_t(half) << 32) : (value & ~0xffffffffull) | half;
}

} // namespace

MmioTransport::MmioTransport(Device& device, const GuestMemory& memory, Interrupt interrupt)
    : m_device(device), m_memory(memory), m_interrupt(std::move(interrupt)), m_queues(device.queue_count())
{
}

void MmioTransport::reset()
{
    for (Queue& queue : m_queues)
        queue = Queue {};
    m_status = m_interrupt_status = 0;
    m_driver_features = 0;
    m_device_features_sel = m_driver_features_sel = m_queue_sel = 0;
    m_device.reset();
}

uint32_t MmioTransport::read_register(uint64_t offset) const
{
    uint64_t features = m_device.features() | kFeatureVersion1;
    const Queue* queue = m_queue_sel < m_queues.size() ? &m_queues[m_queue_sel] : nullptr;
    switch (offset) {
    case MmioMagic: return kMmioMagic;
    case MmioVersion: return kMmioVersion;
    case MmioDeviceId: return m_device.device_id();
    case MmioVendorId: return kVendor;
    case MmioDeviceFeatures: return m_device_features_sel < 2 ? uint32_t(features >> (32 * m_device_features_sel)) : 0;
    case MmioQueueNumMax: return queue ? kMaxQueueSize : 0;
    case MmioQueueReady: return queue && queue->ready;
    case MmioInterruptStatus: return m_interrupt_status;
    case MmioStatus: return m_status;
    case MmioConfigGeneration: return 0;
    }
    return 0;
}

void MmioTransport::bus_read(uint64_t offset, std::span<uint8_t> data)
{
    if (offset >= MmioConfig)
        return m_device.read_config(offset - MmioConfig, data);
    memset(data.data(), 0, data.size());
    if (data.size() == 4 && offset % 4 == 0) {
        uint32_t value = read_register(offset);
        memcpy(data.data(), &value, 4);
    }
}

void MmioTransport::set_status(uint32_t value)
{
    if (value == 0)
        return reset();
    uint64_t offered = m_device.features() | kFeatureVersion1;
    bool acceptable = (m_driver_features & ~offered) == 0 && (m_driver_features & kFeatureVersion1);
    if ((value & StatusFeaturesOk) && !(m_status & StatusFeaturesOk) && !acceptable)
        value &= ~StatusFeaturesOk; // §3.1.1: the driver re-reads FEATURES_OK and gives up
    bool was_live = m_status & StatusDriverOk;
    m_status = value;
    // Clearing DRIVER_OK other than by a reset is not allowed (§2.1.2); a guest that does it
    // stops the device: it serves nothing now (notify checks DRIVER_OK), and it forgets
    // what it held, so that no monitor thread keeps waking for it (net: a pending receive
    // buffer with frames waiting on the tap kept the poller spinning).
    if (was_live && !(value & StatusDriverOk))
        m_device.reset();
}

lib::Result<void> MmioTransport::set_queue_ready(uint32_t value)
{
    Queue* queue = selected();
    if (!queue)
        return {};
    // A ring set up again under chains the device holds (a driver that skips the reset):
    // they belong to the old ring, and would rewind the new one's position in a snapshot.
    if (queue->ring && m_device.chains_held(m_queue_sel))
        m_device.reset();
    queue->ready = value & 1;
    queue->ring.reset();
    if (queue->ready)
        queue->ring.emplace(TRY(Virtqueue::create(m_memory, queue->config)));
    return {};
}

lib::Result<void> MmioTransport::notify(uint32_t index)
{
    if (index >= m_queues.size() || !(m_status & StatusDriverOk) || !m_queues[index].ring)
        return {};
    Virtqueue& ring = *m_queues[index].ring;
    if (TRY(m_device.process(index, ring)) && ring.wants_interrupt()) {
        m_interrupt_status |= kUsedBufferInterrupt;
        if (m_interrupt)
            m_interrupt();
    }
    return {};
}

lib::Result<void> MmioTransport::write_register(uint64_t offset, uint32_t value)
{
    Queue* queue = selected();
    bool high = offset % 8 == 4;
    switch (offset) {
    case MmioDeviceFeaturesSel: m_device_features_sel = value; break;
    case MmioDriverFeaturesSel: m_driver_features_sel = value; break;
    case MmioDriverFeatures:
        if (m_driver_features_sel < 2 && !(m_status & StatusFeaturesOk))
            set_half(m_driver_features, m_driver_features_sel == 1, value);
        break;
    case MmioQueueSel: m_queue_sel = value; break;
    case MmioQueueNum:
        if (queue && !queue->ready)
            queue->config.size = uint16_t(std::min<uint32_t>(value, 0xffff));
        break;
    case MmioQueueReady: return set_queue_ready(value);
    case MmioQueueNotify: return notify(value & 0xffff);
    case MmioInterruptAck: m_interrupt_status &= ~value; break;
    case MmioStatus: set_status(value); break;
    case MmioQueueDescLow:
    case MmioQueueDescHigh:
        if (queue && !queue->ready)
            set_half(queue->config.desc, high, value);
        break;
    case MmioQueueDriverLow:
    case MmioQueueDriverHigh:
        if (queue && !queue->ready)
            set_half(queue->config.avail, high, value);
        break;
    case MmioQueueDeviceLow:
    case MmioQueueDeviceHigh:
        if (queue && !queue->ready)
            set_half(queue->config.used, high, value);
        break;
    default: break; // read-only or unknown registers; configuration space is read-only here
    }
    return {};
}

void MmioTransport::save(StateWriter& out) const
{
    out.u32(m_device.device_id());
    out.u32(m_status);
    out.u32(m_interrupt_status);
    out.u32(m_device_features_sel);
    out.u32(m_driver_features_sel);
    out.u32(m_queue_sel);
    out.u64(m_driver_features);
    out.u32(uint32_t(m_queues.size()));
    for (size_t index = 0; index < m_queues.size(); ++index) {
        const Queue& queue = m_queues[index];
        out.u16(queue.config.size);
        out.u64(queue.config.desc);
        out.u64(queue.config.avail);
        out.u64(queue.config.used);
        out.u8(queue.ready);
        // Chains the device holds unused go back to the ring: the restored device pops them.
        out.u16(queue.ring ? uint16_t(queue.ring->last_avail() - m_device.chains_held(index)) : 0);
        out.u16(queue.ring ? queue.ring->used_index() : 0);
    }
}

lib::Result<void> MmioTransport::restore(StateReader& in)
{
    if (TRY(in.u32()) != m_device.device_id())
        return lib::Error(lib::Errno::INVAL, "a virtio device in the snapshot is of another type");
    m_status = TRY(in.u32());
    m_interrupt_status = TRY(in.u32());
    m_device_features_sel = TRY(in.u32());
    m_driver_features_sel = TRY(in.u32());
    m_queue_sel = TRY(in.u32());
    m_driver_features = TRY(in.u64());
    if (TRY(in.u32()) != m_queues.size())
        return lib::Error(lib::Errno::INVAL, "a virtio device in the snapshot has another number of queues");
    for (Queue& queue : m_queues) {
        queue.config.size = TRY(in.u16());
        queue.config.desc = TRY(in.u64());
        queue.config.avail = TRY(in.u64());
        queue.config.used = TRY(in.u64());
        queue.ready = TRY(in.u8()) != 0;
        uint16_t last_avail = TRY(in.u16()), used_index = TRY(in.u16());
        queue.ring.reset();
        if (queue.ready) {
            queue.ring.emplace(TRY(Virtqueue::create(m_memory, queue.config)));
            queue.ring->set_positions(last_avail, used_index);
        }
    }
    // Only a live device looks for buffers, on queues set up: a stopped one would wake its
    // poller for frames it cannot take, again and again.
    uint64_t ready_queues = 0;
    for (size_t index = 0; index < m_queues.size() && index < 64; ++index)
        ready_queues |= uint64_t(m_queues[index].ring.has_value()) << index;
    if (m_status & StatusDriverOk)
        m_device.restored(ready_queues);
    return {};
}

lib::Result<void> MmioTransport::bus_write(uint64_t offset, std::span<const uint8_t> data)
{
    if (offset >= MmioConfig || data.size() != 4 || offset % 4)
        return {};
    uint32_t value;
    memcpy(&value, data.data(), 4);
    return write_register(offset, value);
}

} // namespace monitor::virtio
