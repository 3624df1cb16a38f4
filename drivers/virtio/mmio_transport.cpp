// virtio-mmio version 2 (VIRTIO 1.2 §4.2.2 registers, §4.2.3 initialisation, §3.1.1
// the general sequence). Every error on the way sets FAILED before returning it.
#include <virtio/mmio_transport.h>

namespace virtio {

namespace {

// A reset is complete when status reads back 0 (§2.4.2); QEMU and our monitor complete it
// synchronously, so a few reads suffice. Bounded, so a broken device cannot hang the boot.
constexpr int kResetPolls = 100000;
constexpr int kConfigRetries = 8;
constexpr uint32_t kMaxQueueEntries = 32768; // §2.7: split queue size limit

} // namespace

lib::Result<void> MmioTransport::attach(RegisterIo& registers, uint32_t window_size)
{
    if (window_size < MmioConfig)
        return lib::Error(lib::Errno::INVAL, "virtio-mmio: register window smaller than 256 bytes");
    if (registers.read32(MmioMagic) != kMmioMagic)
        return lib::Error(lib::Errno::NODEV, "virtio-mmio: no magic value \"virt\" at this address");
    uint32_t version = registers.read32(MmioVersion);
    if (version == 1)
        return lib::Error(lib::Errno::NOTSUP,
            "virtio-mmio: legacy device (version 1); QEMU needs -global virtio-mmio.force-legacy=false");
    if (version != kMmioVersion)
        return lib::Error(lib::Errno::NOTSUP, "virtio-mmio: unknown register layout version");
    uint32_t id = registers.read32(MmioDeviceId);
    if (id == 0)
        return lib::Error(lib::Errno::NODEV, "virtio-mmio: empty transport (device id 0)");
    m_registers = &registers;
    m_window_size = window_size;
    m_device_id = DeviceId(id);
    return {};
}

lib::Result<void> MmioTransport::reset()
{
    m_registers->write32(MmioStatus, 0);
    for (int i = 0; i < kResetPolls; ++i)
        if (m_registers->read32(MmioStatus) == 0)
            return {};
    return lib::Error(lib::Errno::IO, "virtio-mmio: device reset did not complete");
}

uint64_t MmioTransport::device_features()
{
    m_registers->write32(MmioDeviceFeaturesSel, 0);
    uint64_t low = m_registers->read32(MmioDeviceFeatures);
    m_registers->write32(MmioDeviceFeaturesSel, 1);
    uint64_t high = m_registers->read32(MmioDeviceFeatures);
    return high << 32 | low;
}

lib::Result<uint64_t> MmioTransport::negotiate(uint64_t wanted)
{
    if (auto reset_done = reset(); reset_done.is_error()) {
        fail();
        return reset_done.error();
    }
    set_status_bit(StatusAcknowledge);
    set_status_bit(StatusDriver);
    uint64_t offered = device_features();
    if (!(offered & kFeatureVersion1)) {
        fail();
        return lib::Error(lib::Errno::NOTSUP, "virtio-mmio: device does not offer VIRTIO_F_VERSION_1");
    }
    uint64_t accepted = (wanted & offered) | kFeatureVersion1;
    m_registers->write32(MmioDriverFeaturesSel, 0);
    m_registers->write32(MmioDriverFeatures, uint32_t(accepted));
    m_registers->write32(MmioDriverFeaturesSel, 1);
    m_registers->write32(MmioDriverFeatures, uint32_t(accepted >> 32));
    set_status_bit(StatusFeaturesOk);
    if (!(status() & StatusFeaturesOk)) { // §3.1.1 step 6
        fail();
        return lib::Error(lib::Errno::NOTSUP, "virtio-mmio: device refused the negotiated features");
    }
    return accepted;
}

lib::Result<uint16_t> MmioTransport::queue_max_size(uint16_t index)
{
    m_registers->write32(MmioQueueSel, index);
    if (m_registers->read32(MmioQueueReady) != 0)
        return lib::Error(lib::Errno::BUSY, "virtio-mmio: queue already in use");
    uint32_t max = m_registers->read32(MmioQueueNumMax);
    if (max == 0)
        return lib::Error(lib::Errno::NODEV, "virtio-mmio: queue not available");
    return uint16_t(max > kMaxQueueEntries ? kMaxQueueEntries : max);
}

lib::Result<void> MmioTransport::enable_queue(uint16_t index, uint16_t size, const QueueAddresses& addresses)
{
    uint16_t max = TRY(queue_max_size(index)); // also selects the queue
    if (size == 0 || size > max)
        return lib::Error(lib::Errno::INVAL, "virtio-mmio: queue size above the device's maximum");
    m_registers->write32(MmioQueueNum, size);
    m_registers->write32(MmioQueueDescLow, uint32_t(addresses.desc));
    m_registers->write32(MmioQueueDescHigh, uint32_t(addresses.desc >> 32));
    m_registers->write32(MmioQueueDriverLow, uint32_t(addresses.driver));
    m_registers->write32(MmioQueueDriverHigh, uint32_t(addresses.driver >> 32));
    m_registers->write32(MmioQueueDeviceLow, uint32_t(addresses.device));
    m_registers->write32(MmioQueueDeviceHigh, uint32_t(addresses.device >> 32));
    m_registers->write32(MmioQueueReady, 1);
    return {};
}

void MmioTransport::notify(uint16_t index) { m_registers->write32(MmioQueueNotify, index); }

lib::Result<uint64_t> MmioTransport::read_config_once(uint32_t offset, unsigned width)
{
    uint32_t at = MmioConfig + offset;
    switch (width) {
    case 1: return m_registers->read8(at);
    case 2: return m_registers->read16(at);
    case 4: return m_registers->read32(at);
    case 8: return uint64_t(m_registers->read32(at + 4)) << 32 | m_registers->read32(at);
    }
    return lib::Error(lib::Errno::INVAL, "virtio-mmio: configuration width must be 1, 2, 4 or 8");
}

lib::Result<uint64_t> MmioTransport::read_config(uint32_t offset, unsigned width)
{
    if (width == 0 || width > 8 || offset % width || uint64_t(MmioConfig) + offset + width > m_window_size)
        return lib::Error(lib::Errno::INVAL, "virtio-mmio: configuration read misaligned or outside the window");
    for (int attempt = 0; attempt < kConfigRetries; ++attempt) { // §2.5.1 / §4.2.2.2
        uint32_t before = m_registers->read32(MmioConfigGeneration);
        uint64_t value = TRY(read_config_once(offset, width));
        if (m_registers->read32(MmioConfigGeneration) == before)
            return value;
    }
    return lib::Error(lib::Errno::AGAIN, "virtio-mmio: configuration kept changing while read");
}

void MmioTransport::set_status_bit(uint8_t bit) { m_registers->write32(MmioStatus, status() | bit); }

void MmioTransport::driver_ok() { set_status_bit(StatusDriverOk); }

void MmioTransport::fail() { set_status_bit(StatusFailed); }

uint8_t MmioTransport::status() { return uint8_t(m_registers->read32(MmioStatus)); }

uint32_t MmioTransport::acknowledge_interrupt()
{
    uint32_t pending = m_registers->read32(MmioInterruptStatus);
    if (pending)
        m_registers->write32(MmioInterruptAck, pending);
    return pending;
}

} // namespace virtio
