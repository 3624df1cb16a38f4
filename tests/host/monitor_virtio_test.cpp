// The monitor's virtio-mmio transport, split virtqueue and device models driven through
// their registers and rings on synthetic guest memory, including hostile descriptors.
#include "monitor_virtio_driver.h"

#include <monitor/virtio/blk.h>
#include <monitor/virtio/rng.h>

#include <unistd.h>

namespace {

using namespace monitor_test;
constexpr uint16_t kNext = 1, kWrite = 2, kIndirect = 4;

struct RngSetup : VirtioDriver {
    RngDevice rng { memory };
    MmioTransport transport { rng, memory, [this] { ++interrupts; } };
};

TEST(MonitorVirtio, MmioIdentifiesTheDevice)
{
    RngSetup s;
    EXPECT_EQ(s.read32(s.transport, 0x000), 0x74726976u);
    EXPECT_EQ(s.read32(s.transport, 0x004), 2u);
    EXPECT_EQ(s.read32(s.transport, 0x008), kDeviceRng);
    s.write32(s.transport, 0x14, 1);
    EXPECT_EQ(s.read32(s.transport, 0x010), 1u); // VIRTIO_F_VERSION_1 is bit 32
    EXPECT_EQ(s.read32(s.transport, 0x034), 256u);
}

TEST(MonitorVirtio, FeaturesOkRefusedWithoutVersion1OrWithUnknownBits)
{
    RngSetup s;
    s.write32(s.transport, 0x70, 3);
    s.write32(s.transport, 0x70, 3 | 8);
    EXPECT_EQ(s.read32(s.transport, 0x70) & 8, 0u); // no VERSION_1 accepted
    s.write32(s.transport, 0x70, 0);
    s.write32(s.transport, 0x24, 1), s.write32(s.transport, 0x20, 1 | 2);
    s.write32(s.transport, 0x70, 3 | 8);
    EXPECT_EQ(s.read32(s.transport, 0x70) & 8, 0u); // bit 33 not offered
}

TEST(MonitorVirtio, RngFillsWritableBuffersAndInterrupts)
{
    RngSetup s;
    s.initialise(s.transport);
    s.descriptor(0, VirtioDriver::kData, 64, kWrite, 0);
    s.make_available(0);
    ASSERT_FALSE(s.notify(s.transport).is_error());
    EXPECT_EQ(s.used_idx(), 1);
    EXPECT_EQ(s.used(0), std::make_pair(0u, 64u));
    EXPECT_EQ(s.interrupts, 1);
    EXPECT_EQ(s.read32(s.transport, 0x60), 1u);
    s.write32(s.transport, 0x64, 1);
    EXPECT_EQ(s.read32(s.transport, 0x60), 0u);
    auto bytes = s.memory.read_span(VirtioDriver::kData, 64).value();
    EXPECT_NE(std::count(bytes.begin(), bytes.end(), 0), 64);
}

TEST(MonitorVirtio, NoInterruptWhenTheDriverSuppressesIt)
{
    RngSetup s;
    s.initialise(s.transport);
    uint16_t no_interrupt = 1;
    ASSERT_FALSE(
        s.memory.write(VirtioDriver::kAvail, std::span(reinterpret_cast<uint8_t*>(&no_interrupt), 2)).is_error());
    s.descriptor(0, VirtioDriver::kData, 8, kWrite, 0);
    s.make_available(0);
    ASSERT_FALSE(s.notify(s.transport).is_error());
    EXPECT_EQ(s.used_idx(), 1);
    EXPECT_EQ(s.interrupts, 0);
}

void expect_hostile(void (*setup)(RngSetup&), const char* what)
{
    RngSetup s;
    s.initialise(s.transport);
    setup(s);
    auto result = s.notify(s.transport);
    EXPECT_TRUE(result.is_error()) << what;
}

TEST(MonitorVirtio, HostileDescriptorsEndTheVm)
{
    expect_hostile([](RngSetup& s) { s.descriptor(0, 0, 16, kWrite | kNext, 0), s.make_available(0); }, "self loop");
    expect_hostile(
        [](RngSetup& s) {
            s.descriptor(0, 0x20000, 16, kWrite | kNext, 1), s.descriptor(1, 0x20000, 16, kWrite | kNext, 0),
                s.make_available(0);
        },
        "two-descriptor loop");
    expect_hostile([](RngSetup& s) { s.descriptor(0, 0x20000, 16, kWrite | kNext, 200), s.make_available(0); },
        "next out of range");
    expect_hostile([](RngSetup& s) { s.make_available(99); }, "head out of range");
    expect_hostile(
        [](RngSetup& s) { s.descriptor(0, (4 << 20) - 8, 16, kWrite, 0), s.make_available(0); }, "buffer past RAM");
    expect_hostile(
        [](RngSetup& s) { s.descriptor(0, UINT64_MAX - 4, 16, kWrite, 0), s.make_available(0); }, "wrapping buffer");
    expect_hostile([](RngSetup& s) { s.descriptor(0, 0x20000, 16, kIndirect, 0), s.make_available(0); }, "indirect");
    expect_hostile(
        [](RngSetup& s) {
            uint16_t idx = 1000;
            (void)s.memory.write(VirtioDriver::kAvail + 2, std::span(reinterpret_cast<uint8_t*>(&idx), 2));
        },
        "avail index jump");
}

TEST(MonitorVirtio, QueueOutsideGuestMemoryIsRefused)
{
    RngSetup s;
    s.write32(s.transport, 0x70, 3);
    s.write32(s.transport, 0x30, 0);
    s.write32(s.transport, 0x38, 16);
    s.write32(s.transport, 0x80, 0xfffff000), s.write32(s.transport, 0x84, 0x7);
    uint32_t ready = 1;
    EXPECT_TRUE(s.transport.bus_write(0x44, std::span(reinterpret_cast<uint8_t*>(&ready), 4)).is_error());
    s.write32(s.transport, 0x38, 12); // not a power of two
    s.write32(s.transport, 0x80, 0x10000), s.write32(s.transport, 0x84, 0);
    EXPECT_TRUE(s.transport.bus_write(0x44, std::span(reinterpret_cast<uint8_t*>(&ready), 4)).is_error());
}

struct BlkSetup : VirtioDriver {
    int fd;
    std::unique_ptr<BlockDevice> blk;
    std::unique_ptr<MmioTransport> transport;
    explicit BlkSetup(DiskMode mode)
    {
        char path[] = "/tmp/osprey-blk-XXXXXX";
        fd = mkstemp(path);
        unlink(path);
        std::string disk(4096, 'd');
        disk.replace(512, 6, "sector");
        EXPECT_EQ(write(fd, disk.data(), disk.size()), 4096);
        blk = std::make_unique<BlockDevice>(memory, fd, 4096, mode);
        transport = std::make_unique<MmioTransport>(*blk, memory, [this] { ++interrupts; });
        initialise(*transport, virtio_wire::BlkFeatureFlush);
    }
    ~BlkSetup() { close(fd); }
    // header at kData, data at kData + 0x1000, status at kData + 0x2000
    uint8_t request(uint32_t type, uint64_t sector, uint32_t length, bool data_writable)
    {
        uint8_t header[16] = {};
        memcpy(header, &type, 4), memcpy(header + 8, &sector, 8);
        EXPECT_FALSE(memory.write(kData, header).is_error());
        uint8_t status = 0xee;
        EXPECT_FALSE(memory.write(kData + 0x2000, std::span(&status, 1)).is_error());
        uint16_t head = uint16_t(avail_idx * 3 % kSize);
        descriptor(head, kData, 16, kNext, uint16_t(head + 1));
        descriptor(uint16_t(head + 1), kData + 0x1000, length, uint16_t(kNext | (data_writable ? kWrite : 0)),
            uint16_t(head + 2));
        descriptor(uint16_t(head + 2), kData + 0x2000, 1, kWrite, 0);
        make_available(head);
        EXPECT_FALSE(notify(*transport).is_error());
        EXPECT_FALSE(memory.read(kData + 0x2000, std::span(&status, 1)).is_error());
        return status;
    }
};

TEST(MonitorVirtio, BlockReadsWritesAndFlushes)
{
    BlkSetup s(DiskMode::ReadWrite);
    uint8_t capacity[8];
    s.transport->bus_read(0x100, capacity);
    EXPECT_EQ(capacity[0], 8); // 4096 / 512 sectors
    EXPECT_EQ(s.request(0, 1, 512, true), 0);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(s.memory.read_span(0x21000, 6)->data()), 6), "sector");
    EXPECT_EQ(s.used(0).second, 513u);
    ASSERT_FALSE(s.memory.write(0x21000, std::span(reinterpret_cast<const uint8_t*>("WRITTEN!"), 8)).is_error());
    EXPECT_EQ(s.request(1, 2, 512, false), 0);
    char back[8];
    EXPECT_EQ(pread(s.fd, back, 8, 1024), 8);
    EXPECT_EQ(std::string(back, 8), "WRITTEN!");
    EXPECT_EQ(s.request(4, 0, 0, false), 0); // flush (the data descriptor is empty)
    EXPECT_EQ(s.interrupts, 3);
}

TEST(MonitorVirtio, BlockRefusesOutOfRangeReadOnlyAndUnknown)
{
    BlkSetup s(DiskMode::ReadOnly);
    EXPECT_EQ(s.request(0, 8, 512, true), 1);              // past the end
    EXPECT_EQ(s.request(0, UINT64_MAX / 2, 512, true), 1); // overflow
    EXPECT_EQ(s.request(1, 0, 512, false), 1);             // read-only disk
    EXPECT_EQ(s.request(0, 0, 512, false), 1);             // IN into a read-only buffer
    EXPECT_EQ(s.request(77, 0, 512, true), 2);             // unsupported
    uint8_t features[4];
    s.transport->bus_read(0x10, features);
    EXPECT_TRUE(features[0] & (1 << 5)); // VIRTIO_BLK_F_RO
}

TEST(MonitorVirtio, BlockRequestWithoutStatusEndsTheVm)
{
    BlkSetup s(DiskMode::ReadWrite);
    s.descriptor(0, VirtioDriver::kData, 16, 0, 0); // header only
    s.make_available(0);
    EXPECT_TRUE(s.notify(*s.transport).is_error());
}

} // namespace

#include <monitor/virtio/net.h>

#include <sys/socket.h>

#include <thread>
#include <vector>

#include <sys/eventfd.h>

namespace {

// A datagram socket pair stands in for the tap: one frame per read and write.
struct NetSetup : VirtioDriver {
    int ends[2];
    std::unique_ptr<TapLink> link;
    std::unique_ptr<NetDevice> net;
    std::unique_ptr<MmioTransport> transport;
    NetSetup()
    {
        EXPECT_EQ(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, ends), 0);
        link = std::make_unique<TapLink>(ends[0]);
        net = std::make_unique<NetDevice>(memory, *link, -1, std::array<uint8_t, 6> { 2, 0, 0, 0, 0, 1 });
        transport = std::make_unique<MmioTransport>(*net, memory, [this] { ++interrupts; });
        initialise(*transport, NetDevice::kFeatureMac); // sets up queue 0 (receive)
    }
    ~NetSetup() { close(ends[0]), close(ends[1]); }
};

TEST(MonitorVirtio, NetReceivesFramesWithAHeader)
{
    NetSetup s;
    uint8_t mac[6];
    s.transport->bus_read(0x100, mac);
    EXPECT_EQ(mac[0], 2);
    EXPECT_EQ(mac[5], 1);
    EXPECT_TRUE(s.net->rx_blocked());
    EXPECT_EQ(write(s.ends[1], "frame-one", 9), 9);
    s.descriptor(0, VirtioDriver::kData, 2048, kWrite, 0);
    s.make_available(0);
    ASSERT_FALSE(s.notify(*s.transport).is_error());
    EXPECT_EQ(s.used_idx(), 1);
    EXPECT_EQ(s.used(0).second, 12u + 9);
    auto bytes = s.memory.read_span(VirtioDriver::kData, 21).value();
    EXPECT_EQ(bytes[10], 1); // num_buffers
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(bytes.data()) + 12, 9), "frame-one");
    EXPECT_EQ(write(s.ends[1], "frame-two", 9), 9); // no buffer: waits
    ASSERT_FALSE(s.transport->device_event(0).is_error());
    EXPECT_TRUE(s.net->rx_blocked());
    EXPECT_EQ(s.used_idx(), 1);
}

TEST(MonitorVirtio, NetStopsWaitingWhenTheDriverClearsDriverOk)
{
    // Issue 17: a receive buffer posted, then DRIVER_OK cleared without a reset, left the
    // device holding the buffer with frames on the tap: the poller woke for them forever.
    NetSetup s;
    s.descriptor(0, VirtioDriver::kData, 2048, kWrite, 0);
    s.make_available(0);
    ASSERT_FALSE(s.notify(*s.transport).is_error()); // no frame yet: the buffer is held
    EXPECT_FALSE(s.net->rx_blocked());
    s.write32(*s.transport, 0x70, 1 | 2 | 8); // DRIVER_OK off, no reset
    EXPECT_TRUE(s.net->rx_blocked());         // the poller now waits for the wake fd only
    EXPECT_EQ(write(s.ends[1], "frame", 5), 5);
    ASSERT_FALSE(s.transport->device_event(0).is_error());
    EXPECT_EQ(s.used_idx(), 0); // nothing delivered to a stopped device
}

// A snapshot taken while the device holds a receive buffer with no frame for it yet (a
// listening server's VM, always): the restored device must pop that buffer again and
// look at its new link at once, or the guest waits for frames that never come.
TEST(MonitorVirtio, NetHeldReceiveBufferSurvivesASnapshot)
{
    NetSetup s;
    s.descriptor(0, VirtioDriver::kData, 2048, kWrite, 0);
    s.make_available(0);
    ASSERT_FALSE(s.notify(*s.transport).is_error()); // no frame: the buffer is held
    EXPECT_EQ(s.used_idx(), 0);
    monitor::StateWriter saved;
    s.transport->save(saved);

    int ends[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, ends), 0);
    TapLink link(ends[0]);
    int wake = eventfd(0, EFD_NONBLOCK);
    NetDevice net(s.memory, link, wake, std::array<uint8_t, 6> { 2, 0, 0, 0, 0, 1 });
    MmioTransport restored(net, s.memory, [&] { ++s.interrupts; });
    monitor::StateReader in(saved.data());
    ASSERT_FALSE(restored.restore(in).is_error());
    EXPECT_FALSE(net.rx_blocked()); // the poller looks at the link without a new notify
    uint64_t woken = 0;
    EXPECT_EQ(read(wake, &woken, sizeof woken), ssize_t(sizeof woken));
    EXPECT_EQ(write(ends[1], "after-restore", 13), 13);
    ASSERT_FALSE(restored.device_event(0).is_error());
    EXPECT_EQ(s.used_idx(), 1);
    EXPECT_EQ(s.used(0).first, 0u); // the buffer posted before the snapshot
    auto bytes = s.memory.read_span(VirtioDriver::kData + 12, 13).value();
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(bytes.data()), 13), "after-restore");
    close(wake), close(ends[0]), close(ends[1]);
}

// A device saved while stopped (DRIVER_OK cleared) must not look for receive buffers when
// restored: its poller would wake for every frame it cannot take.
TEST(MonitorVirtio, NetSavedStoppedStaysStoppedWhenRestored)
{
    NetSetup s;
    s.write32(*s.transport, 0x70, 1 | 2 | 8); // DRIVER_OK off
    monitor::StateWriter saved;
    s.transport->save(saved);
    NetDevice net(s.memory, *s.link, -1, std::array<uint8_t, 6> { 2, 0, 0, 0, 0, 1 });
    MmioTransport restored(net, s.memory, [] {});
    monitor::StateReader in(saved.data());
    ASSERT_FALSE(restored.restore(in).is_error());
    EXPECT_TRUE(net.rx_blocked());
}

TEST(MonitorVirtio, NetTransmitStripsTheHeader)
{
    NetSetup s;
    s.write32(*s.transport, 0x30, 1); // transmit queue at other addresses
    s.write32(*s.transport, 0x38, VirtioDriver::kSize);
    s.write32(*s.transport, 0x80, 0x30000), s.write32(*s.transport, 0x90, 0x31000),
        s.write32(*s.transport, 0xa0, 0x32000);
    s.write32(*s.transport, 0x44, 1);
    std::string packet = std::string(12, '\0') + "hello-net";
    ASSERT_FALSE(
        s.memory.write(0x40000, std::span(reinterpret_cast<const uint8_t*>(packet.data()), packet.size())).is_error());
    uint8_t d[16] = {};
    uint64_t addr = 0x40000;
    uint32_t len = uint32_t(packet.size());
    memcpy(d, &addr, 8), memcpy(d + 8, &len, 4);
    ASSERT_FALSE(s.memory.write(0x30000, d).is_error());
    uint16_t ring[3] = { 0, 1, 0 }; // flags, idx, ring[0] = head 0
    ASSERT_FALSE(s.memory.write(0x31000, std::span(reinterpret_cast<uint8_t*>(ring), 6)).is_error());
    uint32_t queue = 1;
    ASSERT_FALSE(s.transport->bus_write(0x50, std::span(reinterpret_cast<uint8_t*>(&queue), 4)).is_error());
    char out[64];
    EXPECT_EQ(read(s.ends[1], out, sizeof(out)), 9);
    EXPECT_EQ(std::string(out, 9), "hello-net");
}

// passt's stream: each frame after its 32-bit big-endian length, arriving in any pieces.
struct StreamEnds {
    int ends[2];
    StreamEnds() { EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, ends), 0); }
    ~StreamEnds() { close(ends[0]), close(ends[1]); }
    void put(const std::string& bytes) { EXPECT_EQ(write(ends[1], bytes.data(), bytes.size()), ssize_t(bytes.size())); }
};

std::string framed(const std::string& frame)
{
    uint32_t n = uint32_t(frame.size());
    return std::string { char(n >> 24), char(n >> 16), char(n >> 8), char(n) } + frame;
}

std::string next_frame(StreamLink& link)
{
    std::vector<uint8_t> frame(kMaxFrameSize);
    auto got = link.receive(frame);
    EXPECT_FALSE(got.is_error());
    return got.is_error() ? "<error>" : std::string(reinterpret_cast<char*>(frame.data()), got.value());
}

TEST(MonitorVirtio, StreamLinkCutsFramesOutOfAnyPieces)
{
    StreamEnds s;
    StreamLink link(s.ends[0]);
    EXPECT_EQ(next_frame(link), ""); // nothing yet: 0, not an error
    std::string two = framed("first-frame") + framed(std::string(3000, 'x'));
    s.put(two.substr(0, 2)); // half a length
    EXPECT_EQ(next_frame(link), "");
    s.put(two.substr(2, 10)); // the length and part of the frame
    EXPECT_EQ(next_frame(link), "");
    s.put(two.substr(12)); // the rest of it, and all of the second
    EXPECT_EQ(next_frame(link), "first-frame");
    EXPECT_EQ(next_frame(link), std::string(3000, 'x'));
    EXPECT_EQ(next_frame(link), "");
    std::string big(kMaxFrameSize, 'b'); // the largest frame, three times: the buffer wraps
    for (int i = 0; i < 3; ++i) {
        std::thread writer([&] { s.put(framed(big)); });
        std::string got;
        while ((got = next_frame(link)).empty()) { }
        writer.join();
        EXPECT_EQ(got.size(), big.size());
    }
}

TEST(MonitorVirtio, StreamLinkSendsLengthThenFrame)
{
    StreamEnds s;
    StreamLink link(s.ends[0]);
    std::string frame = "outgoing-frame";
    link.send(std::span(reinterpret_cast<const uint8_t*>(frame.data()), frame.size()));
    char out[64];
    EXPECT_EQ(read(s.ends[1], out, sizeof(out)), ssize_t(4 + frame.size()));
    EXPECT_EQ(std::string(out, 4 + frame.size()), framed(frame));
}

TEST(MonitorVirtio, StreamLinkRefusesBadLengthsAndAClosedPeer)
{
    for (uint32_t bad : { 0u, uint32_t(kMaxFrameSize + 1), 0xffffffffu }) {
        StreamEnds s;
        StreamLink link(s.ends[0]);
        s.put(std::string { char(bad >> 24), char(bad >> 16), char(bad >> 8), char(bad) } + "junk");
        std::vector<uint8_t> frame(kMaxFrameSize);
        auto got = link.receive(frame);
        ASSERT_TRUE(got.is_error()) << bad;
        EXPECT_EQ(got.error().code, lib::Errno::INVAL);
        EXPECT_TRUE(link.receive(frame).is_error()); // and stays broken
    }
    StreamEnds s;
    StreamLink link(s.ends[0]);
    s.put(framed("last"));
    close(s.ends[1]);
    s.ends[1] = -1;
    EXPECT_EQ(next_frame(link), "last"); // what came before the close is delivered
    std::vector<uint8_t> frame(kMaxFrameSize);
    auto closed = link.receive(frame);
    ASSERT_TRUE(closed.is_error());
    EXPECT_NE(std::string(closed.error().message).find("closed"), std::string::npos);
}

TEST(MonitorVirtio, MissingTapIsAClearError)
{
    auto tap = NetDevice::open_tap("osprey-no-such-tap0");
    ASSERT_TRUE(tap.is_error());
    EXPECT_EQ(tap.error().code, lib::Errno::NODEV);
    EXPECT_NE(std::string(tap.error().message).find("ip tuntap add"), std::string::npos);
}

} // namespace

#include <monitor/virtio_devices.h>

namespace {

TEST(MonitorVirtio, DevicesFromOptionsGetMmioSlotsIrqsAndCmdlineWords)
{
    auto memory = GuestMemory::create(4 << 20).release_value();
    Bus bus;
    std::vector<uint32_t> raised;
    Options options;
    options.disks.push_back({ "/proc/self/exe", true });
    options.rng = true;
    VirtioDevices devices;
    ASSERT_EQ(devices.create(options, memory, bus, [&](uint32_t irq) { raised.push_back(irq); }), "");
    ASSERT_EQ(devices.kernel_options().size(), 2u);
    EXPECT_EQ(devices.kernel_options()[0], "virtio_mmio.device=0x200@0xd0000000:5");
    EXPECT_EQ(devices.kernel_options()[1], "virtio_mmio.device=0x200@0xd0001000:6");
    uint32_t id = 0;
    bus.read(0xd0001008, std::span(reinterpret_cast<uint8_t*>(&id), 4));
    EXPECT_EQ(id, kDeviceRng);
    bus.read(0xd0000008, std::span(reinterpret_cast<uint8_t*>(&id), 4));
    EXPECT_EQ(id, kDeviceBlock);
}

TEST(MonitorVirtio, MissingDiskIsAClearError)
{
    auto memory = GuestMemory::create(4 << 20).release_value();
    Bus bus;
    Options options;
    options.disks.push_back({ "/nonexistent/disk.img", false });
    VirtioDevices devices;
    auto error = devices.create(options, memory, bus, [](uint32_t) {});
    EXPECT_NE(error.find("/nonexistent/disk.img"), std::string::npos);
}

} // namespace
