#include "mmio_transport.h"

#include <cstring>

namespace monitor::virtio {

namespace {

// VIRTIO 1.2 §4.2.2 register offsets.
enum : uint64_t {
    kMagic = 0x000, kVersion = 0x004, kDeviceId = 0x008, kVendorId = 0x00c, kDeviceFeatures = 0x010,
    kDeviceFeaturesSel = 0x014, kDriverFeatures = 0x020, kDriverFeaturesSel = 0x024, kQueueSel = 0x030,
    kQueueNumMax = 0x034, kQueueNum = 0x038, kQueueReady = 0x044, kQueueNotify = 0x050,
    kInterruptStatus = 0x060, kInterruptAck = 0x064, kStatus = 0x070, kQueueDescLow = 0x080,
    kQueueDescHigh = 0x084, kQueueDriverLow = 0x090, kQueueDriverHigh = 0x094, kQueueDeviceLow = 0x0a0,
    kQueueDeviceHigh = 0x0a4, kConfigGeneration = 0x0fc, kConfig = 0x100,
};
constexpr uint32_t kMagicValue = 0x74726976; // "virt"
constexpr uint32_t kVendor = 0x4f535052;     // "OSPR"
// §2.1 device status bits.
constexpr uint32_t kFeaturesOk = 8, kDriverOk = 4;
constexpr uint32_t kUsedBufferInterrupt = 1;

void set_half(uint64_t& value, bool high, uint32_t half)
{
    value = high ? (value & 0xffffffffull) | (uint64_t(half) << 32) : (value & ~0xffffffffull) | half;
}

} // namespace

void read_config_bytes(std::span<const uint8_t> value, uint64_t offset, std::span<uint8_t> data)
{
    for (size_t i = 0; i < data.size(); ++i)
        data[i] = offset + i < value.size() ? value[offset + i] : 0;
}

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
    case kMagic: return kMagicValue;
    case kVersion: return 2;
    case kDeviceId: return m_device.device_id();
    case kVendorId: return kVendor;
    case kDeviceFeatures: return m_device_features_sel < 2 ? uint32_t(features >> (32 * m_device_features_sel)) : 0;
    case kQueueNumMax: return queue ? kMaxQueueSize : 0;
    case kQueueReady: return queue && queue->ready;
    case kInterruptStatus: return m_interrupt_status;
    case kStatus: return m_status;
    case kConfigGeneration: return 0;
    }
    return 0;
}

void MmioTransport::bus_read(uint64_t offset, std::span<uint8_t> data)
{
    if (offset >= kConfig)
        return m_device.read_config(offset - kConfig, data);
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
    if ((value & kFeaturesOk) && !(m_status & kFeaturesOk) && !acceptable)
        value &= ~kFeaturesOk; // §3.1.1: the driver re-reads FEATURES_OK and gives up
    m_status = value;
}

lib::Result<void> MmioTransport::set_queue_ready(uint32_t value)
{
    Queue* queue = selected();
    if (!queue)
        return {};
    queue->ready = value & 1;
    queue->ring.reset();
    if (queue->ready)
        queue->ring.emplace(TRY(Virtqueue::create(m_memory, queue->config)));
    return {};
}

lib::Result<void> MmioTransport::notify(uint32_t index)
{
    if (index >= m_queues.size() || !(m_status & kDriverOk) || !m_queues[index].ring)
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
    case kDeviceFeaturesSel: m_device_features_sel = value; break;
    case kDriverFeaturesSel: m_driver_features_sel = value; break;
    case kDriverFeatures:
        if (m_driver_features_sel < 2 && !(m_status & kFeaturesOk))
            set_half(m_driver_features, m_driver_features_sel == 1, value);
        break;
    case kQueueSel: m_queue_sel = value; break;
    case kQueueNum: if (queue && !queue->ready) queue->config.size = uint16_t(std::min<uint32_t>(value, 0xffff)); break;
    case kQueueReady: return set_queue_ready(value);
    case kQueueNotify: return notify(value & 0xffff);
    case kInterruptAck: m_interrupt_status &= ~value; break;
    case kStatus: set_status(value); break;
    case kQueueDescLow: case kQueueDescHigh: if (queue && !queue->ready) set_half(queue->config.desc, high, value); break;
    case kQueueDriverLow: case kQueueDriverHigh: if (queue && !queue->ready) set_half(queue->config.avail, high, value); break;
    case kQueueDeviceLow: case kQueueDeviceHigh: if (queue && !queue->ready) set_half(queue->config.used, high, value); break;
    default: break; // read-only or unknown registers; configuration space is read-only here
    }
    return {};
}

lib::Result<void> MmioTransport::bus_write(uint64_t offset, std::span<const uint8_t> data)
{
    if (offset >= kConfig || data.size() != 4 || offset % 4)
        return {};
    uint32_t value;
    memcpy(&value, data.data(), 4);
    return write_register(offset, value);
}

} // namespace monitor::virtio
