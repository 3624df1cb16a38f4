// The virtio-mmio transport's register protocol and initialisation state machine
// (drivers/virtio/mmio_transport.cpp) against a fake register file that behaves like a
// version-2 device (VIRTIO 1.2 §4.2.2), and the virtio_mmio.device option parser.
#include <virtio/mmio_device_option.h>
#include <virtio/mmio_transport.h>

#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <vector>

using namespace virtio;

namespace {

class FakeRegisters final : public RegisterIo {
public:
    uint32_t magic = kMmioMagic, version = 2, device_id = 2;
    uint64_t device_features = kFeatureVersion1 | (1u << 5) | (1u << 9);
    uint64_t driver_features = 0;
    uint32_t queue_num_max = 128;
    bool never_resets = false, refuse_features = false;
    int generation_changes = 0; // config reads see the generation move this often
    uint8_t config[0x100] = {};
    std::vector<uint32_t> status_writes;
    struct Queue {
        uint32_t num = 0, ready = 0;
        uint64_t desc = 0, driver = 0, device = 0;
    };
    std::map<uint32_t, Queue> queues;
    std::vector<uint32_t> notified;

    uint32_t read32(uint32_t offset) override
    {
        switch (offset) {
        case MmioMagic: return magic;
        case MmioVersion: return version;
        case MmioDeviceId: return device_id;
        case MmioVendorId: return 0x554d4551;
        case MmioDeviceFeatures: return uint32_t(device_features >> (32 * m_features_sel));
        case MmioQueueNumMax: return m_queue_sel < 2 ? queue_num_max : 0;
        case MmioQueueReady: return queues[m_queue_sel].ready;
        case MmioStatus: return m_status;
        case MmioInterruptStatus: return 1;
        case MmioConfigGeneration:
            if (generation_changes > 0) {
                --generation_changes;
                ++m_generation;
            }
            return m_generation;
        }
        if (offset >= MmioConfig) {
            uint32_t v;
            std::memcpy(&v, config + offset - MmioConfig, 4);
            return v;
        }
        ADD_FAILURE() << "read of unknown register " << offset;
        return 0;
    }
    uint16_t read16(uint32_t offset) override { return uint16_t(read32(offset)); }
    uint8_t read8(uint32_t offset) override { return uint8_t(read32(offset)); }
    void write32(uint32_t offset, uint32_t value) override
    {
        Queue& q = queues[m_queue_sel];
        switch (offset) {
        case MmioDeviceFeaturesSel: m_features_sel = value & 1; return;
        case MmioDriverFeaturesSel: m_driver_sel = value & 1; return;
        case MmioDriverFeatures:
            driver_features
                = (driver_features & ~(0xffffffffull << (32 * m_driver_sel))) | uint64_t(value) << (32 * m_driver_sel);
            return;
        case MmioQueueSel: m_queue_sel = value; return;
        case MmioQueueNum: q.num = value; return;
        case MmioQueueReady: q.ready = value; return;
        case MmioQueueDescLow: q.desc = (q.desc & ~0xffffffffull) | value; return;
        case MmioQueueDescHigh: q.desc = (q.desc & 0xffffffffull) | uint64_t(value) << 32; return;
        case MmioQueueDriverLow: q.driver = (q.driver & ~0xffffffffull) | value; return;
        case MmioQueueDriverHigh: q.driver = (q.driver & 0xffffffffull) | uint64_t(value) << 32; return;
        case MmioQueueDeviceLow: q.device = (q.device & ~0xffffffffull) | value; return;
        case MmioQueueDeviceHigh: q.device = (q.device & 0xffffffffull) | uint64_t(value) << 32; return;
        case MmioQueueNotify: notified.push_back(value); return;
        case MmioInterruptAck: m_acked = value; return;
        case MmioStatus: write_status(value); return;
        }
        ADD_FAILURE() << "write of unknown register " << offset;
    }
    uint32_t acked() const { return m_acked; }

private:
    void write_status(uint32_t value)
    {
        status_writes.push_back(value);
        if (value == 0) {
            m_status = never_resets ? StatusAcknowledge : 0;
            queues.clear();
            return;
        }
        // §2.2.2: a device refuses FEATURES_OK for features it did not offer.
        bool bad = (driver_features & ~device_features) || refuse_features;
        m_status = (value & StatusFeaturesOk) && bad ? value & ~uint32_t(StatusFeaturesOk) : value;
    }

    uint32_t m_status = 0x0f, m_features_sel = 0, m_driver_sel = 0, m_queue_sel = 0, m_generation = 0, m_acked = 0;
};

} // namespace

TEST(VirtioMmio, AttachChecksMagicVersionAndDevice)
{
    FakeRegisters regs;
    MmioTransport transport;
    ASSERT_FALSE(transport.attach(regs, 0x200).is_error());
    EXPECT_EQ(transport.device_id(), DeviceId::Block);
    regs.version = 1;
    EXPECT_EQ(transport.attach(regs, 0x200).error().code, lib::Errno::NOTSUP);
    regs.version = 3;
    EXPECT_EQ(transport.attach(regs, 0x200).error().code, lib::Errno::NOTSUP);
    regs.version = 2;
    regs.device_id = 0;
    EXPECT_EQ(transport.attach(regs, 0x200).error().code, lib::Errno::NODEV);
    regs.magic = 0xffffffff;
    EXPECT_EQ(transport.attach(regs, 0x200).error().code, lib::Errno::NODEV);
    EXPECT_EQ(transport.attach(regs, 0x80).error().code, lib::Errno::INVAL);
}

TEST(VirtioMmio, InitialisationFollowsTheSpecSequence)
{
    FakeRegisters regs;
    MmioTransport transport;
    ASSERT_FALSE(transport.attach(regs, 0x200).is_error());
    auto features = transport.negotiate((1u << 5) | (1u << 6)); // bit 6 not offered
    ASSERT_FALSE(features.is_error()) << features.error().message;
    EXPECT_EQ(features.value(), kFeatureVersion1 | (1u << 5));
    EXPECT_EQ(regs.driver_features, kFeatureVersion1 | (1u << 5));
    // §3.1.1: reset, ACKNOWLEDGE, DRIVER, FEATURES_OK, each added to the previous bits.
    std::vector<uint32_t> expected = { 0, 1, 3, 11 };
    EXPECT_EQ(regs.status_writes, expected);

    QueueAddresses addresses { 0x1'2345'6000, 0x1'2345'7000, 0x2'0000'8000 };
    EXPECT_EQ(transport.queue_max_size(0).value(), 128);
    EXPECT_EQ(transport.enable_queue(0, 256, addresses).error().code, lib::Errno::INVAL);
    ASSERT_FALSE(transport.enable_queue(0, 64, addresses).is_error());
    EXPECT_EQ(regs.queues[0].num, 64u);
    EXPECT_EQ(regs.queues[0].ready, 1u);
    EXPECT_EQ(regs.queues[0].desc, addresses.desc); // 64-bit addresses, both halves
    EXPECT_EQ(regs.queues[0].driver, addresses.driver);
    EXPECT_EQ(regs.queues[0].device, addresses.device);
    EXPECT_EQ(transport.queue_max_size(0).error().code, lib::Errno::BUSY);
    EXPECT_EQ(transport.queue_max_size(5).error().code, lib::Errno::NODEV);

    transport.driver_ok();
    EXPECT_EQ(regs.status_writes.back(), 15u);
    transport.notify(0);
    EXPECT_EQ(regs.notified, std::vector<uint32_t> { 0 });
    EXPECT_EQ(transport.acknowledge_interrupt(), 1u);
    EXPECT_EQ(regs.acked(), 1u);
}

TEST(VirtioMmio, DeviceWithoutVersion1IsFailed)
{
    FakeRegisters regs;
    regs.device_features = 1u << 5;
    MmioTransport transport;
    ASSERT_FALSE(transport.attach(regs, 0x200).is_error());
    EXPECT_EQ(transport.negotiate(~0ull).error().code, lib::Errno::NOTSUP);
    EXPECT_TRUE(transport.status() & StatusFailed);
}

TEST(VirtioMmio, RefusedFeaturesOkIsFailed)
{
    FakeRegisters regs;
    regs.refuse_features = true;
    MmioTransport transport;
    ASSERT_FALSE(transport.attach(regs, 0x200).is_error());
    EXPECT_EQ(transport.negotiate(0).error().code, lib::Errno::NOTSUP);
    EXPECT_TRUE(transport.status() & StatusFailed);
}

TEST(VirtioMmio, ResetThatNeverCompletesIsAnError)
{
    FakeRegisters regs;
    regs.never_resets = true;
    MmioTransport transport;
    ASSERT_FALSE(transport.attach(regs, 0x200).is_error());
    EXPECT_EQ(transport.negotiate(0).error().code, lib::Errno::IO);
    EXPECT_TRUE(transport.status() & StatusFailed);
}

TEST(VirtioMmio, ConfigurationReadsUseTheGenerationCounter)
{
    FakeRegisters regs;
    uint64_t capacity = 0x1'0000'0042;
    std::memcpy(regs.config, &capacity, 8);
    MmioTransport transport;
    ASSERT_FALSE(transport.attach(regs, 0x200).is_error());
    EXPECT_EQ(transport.read_config(0, 8).value(), capacity);
    EXPECT_EQ(transport.read_config(0, 4).value(), 0x42u);
    regs.generation_changes = 3; // changes during the first reads, then settles
    EXPECT_EQ(transport.read_config(0, 8).value(), capacity);
    regs.generation_changes = 1000;
    EXPECT_EQ(transport.read_config(0, 8).error().code, lib::Errno::AGAIN);
    EXPECT_EQ(transport.read_config(2, 4).error().code, lib::Errno::INVAL);     // misaligned
    EXPECT_EQ(transport.read_config(0, 3).error().code, lib::Errno::INVAL);     // bad width
    EXPECT_EQ(transport.read_config(0x100, 4).error().code, lib::Errno::INVAL); // past a 0x200 window
}

TEST(VirtioMmioOption, ParsesLinuxSyntax)
{
    auto option = parse_mmio_device_option("512@0xfeb00000:5");
    ASSERT_FALSE(option.is_error());
    EXPECT_EQ(option->size, 512u);
    EXPECT_EQ(option->base, 0xfeb00000u);
    EXPECT_EQ(option->irq, 5u);
    option = parse_mmio_device_option("4K@0xd0000000:12:3");
    ASSERT_FALSE(option.is_error());
    EXPECT_EQ(option->size, 4096u);
    EXPECT_EQ(option->irq, 12u);
    option = parse_mmio_device_option("0x200@3G:24");
    ASSERT_FALSE(option.is_error());
    EXPECT_EQ(option->base, 3ull << 30);
}

TEST(VirtioMmioOption, RejectsBadValues)
{
    for (const char* bad : { "", "512", "512@", "512@0xfeb00000", "512@0xfeb00000:", "x@0x1000:5",
             "512@0xfeb00000:5:", "512@0xfeb00000:5x", "512@0:5", "512@0xfeb00002:5", "16@0xfeb00000:5",
             "2M@0xfeb00000:5", "512@0xfeb00000:256", "512@0xffffffffffffff00:5", "99999999999999999999999@0x1000:1" })
        EXPECT_TRUE(parse_mmio_device_option(bad).is_error()) << bad;
}
