// The monitor's virtio-9p device (monitor/virtio/ninep.h) driven through its virtio-mmio
// registers and a split virtqueue on synthetic guest memory: the mount tag, messages
// gathered from and scattered over several descriptors, and hostile chains.
#include "monitor_virtio_driver.h"
#include "ninep_test_client.h"

#include <monitor/virtio/ninep.h>

#include <fcntl.h>

namespace {

using namespace monitor_test;
using namespace ninep_test;
constexpr uint16_t kNext = 1, kWrite = 2;
constexpr uint64_t kRequest = VirtioDriver::kData, kReply = VirtioDriver::kData + 0x10000;

struct NinePSetup : VirtioDriver {
    Scratch scratch;
    std::unique_ptr<NinePDevice> device;
    std::unique_ptr<MmioTransport> transport;
    NinePSetup()
    {
        Scratch::put(scratch.share / "hello.txt", "hello from the host");
        auto server = NinepServer::open(scratch.share.string(), VolumeAccess::ReadWrite).release_value();
        device = std::make_unique<NinePDevice>(memory, "data", std::move(server));
        transport = std::make_unique<MmioTransport>(*device, memory, [this] { ++interrupts; });
        initialise(*transport, virtio_wire::kNinePFeatureMountTag);
    }
    /// Writes a T-message at kRequest.
    size_t put(Type type, uint16_t tag, const std::function<void(ninep::Writer&)>& fill)
    {
        std::vector<std::byte> buffer(4096);
        ninep::Writer out(buffer, type, tag);
        fill(out);
        auto message = out.finish().value();
        EXPECT_FALSE(memory.write(kRequest, std::span(reinterpret_cast<const uint8_t*>(message.data()), message.size()))
                         .is_error());
        return message.size();
    }
    /// The reply at kReply, `length` bytes.
    Answer reply(size_t length)
    {
        Answer answer;
        auto bytes = memory.read_span(kReply, length).value();
        for (uint8_t b : bytes)
            answer.bytes.push_back(std::byte(b));
        auto in = ninep::Reader::open(answer.bytes);
        EXPECT_FALSE(in.is_error());
        if (!in.is_error() && (answer.type = in->type()) == Type::Rlerror)
            answer.error = int(in->u32());
        return answer;
    }
    /// One chain: the request in one readable descriptor, one writable of `room` bytes.
    Answer exchange(size_t request_length, uint32_t room = 8192)
    {
        uint16_t head = uint16_t(avail_idx * 2 % kSize);
        descriptor(head, kRequest, uint32_t(request_length), kNext, uint16_t(head + 1));
        descriptor(uint16_t(head + 1), kReply, room, kWrite, 0);
        make_available(head);
        EXPECT_FALSE(notify(*transport).is_error());
        return reply(used(uint16_t((avail_idx - 1) % kSize)).second);
    }
};

TEST(MonitorNinePDevice, IdentifiesItselfWithItsMountTag)
{
    NinePSetup s;
    EXPECT_EQ(s.read32(*s.transport, 0x008), 9u);
    s.write32(*s.transport, 0x14, 0);
    EXPECT_EQ(s.read32(*s.transport, 0x010) & 1, 1u); // VIRTIO_9P_F_MOUNT_TAG
    uint8_t config[8] = {};
    s.transport->bus_read(0x100, config);
    EXPECT_EQ(config[0], 4);
    EXPECT_EQ(config[1], 0);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(config + 2), 4), "data");
    EXPECT_EQ(config[6], 0); // past the tag
}

TEST(MonitorNinePDevice, ServesASessionGatheringAndScattering)
{
    NinePSetup s;
    // Tversion split over two readable descriptors; Rversion over three writable ones.
    size_t length = s.put(Type::Tversion, ninep::kNoTag, [](ninep::Writer& w) { w.u32(65536).string("9P2000.L"); });
    s.descriptor(0, kRequest, 5, kNext, 1);
    s.descriptor(1, kRequest + 5, uint32_t(length - 5), kNext, 2);
    s.descriptor(2, kReply, 3, kNext | kWrite, 3);
    s.descriptor(3, kReply + 3, 9, kNext | kWrite, 4);
    s.descriptor(4, kReply + 12, 4096, kWrite, 0);
    s.make_available(0);
    ASSERT_FALSE(s.notify(*s.transport).is_error());
    EXPECT_EQ(s.used_idx(), 1);
    EXPECT_EQ(s.used(0).second, 7u + 4 + 2 + 8);
    Answer a = s.reply(s.used(0).second);
    ASSERT_EQ(a.type, Type::Rversion);
    EXPECT_EQ(a.reader().u32(), 65536u);
    EXPECT_EQ(s.interrupts, 1);

    ASSERT_EQ(s.exchange(s.put(Type::Tattach, 1,
                             [](ninep::Writer& w) { w.u32(1).u32(ninep::kNoFid).string("").string("").u32(0); }))
                  .type,
        Type::Rattach);
    ASSERT_EQ(
        s.exchange(s.put(Type::Twalk, 2, [](ninep::Writer& w) { w.u32(1).u32(2).u16(1).string("hello.txt"); })).type,
        Type::Rwalk);
    ASSERT_EQ(s.exchange(s.put(Type::Tlopen, 3, [](ninep::Writer& w) { w.u32(2).u32(O_RDONLY); })).type, Type::Rlopen);
    Answer read = s.exchange(s.put(Type::Tread, 4, [](ninep::Writer& w) { w.u32(2).u64(0).u32(100); }));
    ASSERT_EQ(read.type, Type::Rread);
    auto in = read.reader();
    uint32_t n = in.u32();
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(in.bytes(n).data()), n), "hello from the host");
    EXPECT_EQ(s.device->server().fid_count(), 2u);
}

TEST(MonitorNinePDevice, MalformedMessagesGetRlerrorNotAFault)
{
    NinePSetup s;
    uint8_t garbage[16];
    memset(garbage, 0xff, sizeof(garbage));
    ASSERT_FALSE(s.memory.write(kRequest, garbage).is_error());
    EXPECT_EQ(s.exchange(sizeof(garbage)).error, EIO);
    EXPECT_EQ(s.exchange(0).error, EIO); // an empty readable descriptor
    // A reply that does not fit the room given becomes an Rlerror (11 bytes).
    size_t length = s.put(Type::Tversion, ninep::kNoTag, [](ninep::Writer& w) { w.u32(65536).string("9P2000.L"); });
    Answer a = s.exchange(length, 12);
    EXPECT_EQ(a.error, E2BIG);
    // A message longer than the device reads (kMaxMessageSize): EIO, and the VM goes on.
    std::vector<uint8_t> huge(monitor::volume::kMaxMessageSize + 4096, 0);
    uint32_t size = uint32_t(huge.size());
    memcpy(huge.data(), &size, 4);
    huge[4] = uint8_t(Type::Twrite);
    ASSERT_FALSE(s.memory.write(kRequest + 0x20000, huge).is_error());
    s.descriptor(0, kRequest + 0x20000, uint32_t(huge.size()), kNext, 1);
    s.descriptor(1, kReply, 64, kWrite, 0);
    s.make_available(0);
    ASSERT_FALSE(s.notify(*s.transport).is_error());
    EXPECT_EQ(s.reply(s.used(uint16_t((s.avail_idx - 1) % VirtioDriver::kSize)).second).error, EIO);
}

TEST(MonitorNinePDevice, ChainsWithoutRoomForAReplyEndTheVm)
{
    {
        NinePSetup s;
        s.descriptor(0, kRequest, 16, 0, 0); // no writable buffer
        s.make_available(0);
        EXPECT_TRUE(s.notify(*s.transport).is_error());
    }
    {
        NinePSetup s;
        s.descriptor(0, kRequest, 16, kNext, 1);
        s.descriptor(1, kReply, 4, kNext | kWrite, 2); // 10 writable bytes in all: less than an Rlerror
        s.descriptor(2, kReply + 4, 6, kWrite, 0);
        s.make_available(0);
        EXPECT_TRUE(s.notify(*s.transport).is_error());
    }
    {
        NinePSetup s;
        s.descriptor(0, (4 << 20) - 8, 16, kNext, 1); // request past guest RAM
        s.descriptor(1, kReply, 64, kWrite, 0);
        s.make_available(0);
        EXPECT_TRUE(s.notify(*s.transport).is_error());
    }
    {
        NinePSetup s;
        s.descriptor(0, kRequest, 16, kNext, 1);
        s.descriptor(1, UINT64_MAX - 4, 64, kWrite, 0); // reply room wrapping around
        s.make_available(0);
        EXPECT_TRUE(s.notify(*s.transport).is_error());
    }
}

TEST(MonitorNinePDevice, ResetEndsTheSession)
{
    NinePSetup s;
    ASSERT_EQ(s.exchange(s.put(Type::Tattach, 1,
                             [](ninep::Writer& w) { w.u32(1).u32(ninep::kNoFid).string("").string("").u32(0); }))
                  .type,
        Type::Rattach);
    EXPECT_EQ(s.device->server().fid_count(), 1u);
    s.write32(*s.transport, 0x70, 0);
    EXPECT_EQ(s.device->server().fid_count(), 0u);
}

} // namespace

#include <monitor/options.h>
#include <monitor/virtio_devices.h>

namespace {

TEST(MonitorNinePOptions, VolumesParseAndAreChecked)
{
    Scratch scratch;
    std::string dir = scratch.share.string();
    auto options = parse_options(
        { "--kernel", "k", "--image", "i", "--volume", "data:" + dir, "--volume-ro", "my_ro-2:" + dir });
    ASSERT_FALSE(options.is_error()) << options.error().message;
    ASSERT_EQ(options->volumes.size(), 2u);
    EXPECT_EQ(options->volumes[0].tag, "data");
    EXPECT_EQ(options->volumes[0].host_dir, dir);
    EXPECT_FALSE(options->volumes[0].read_only);
    EXPECT_EQ(options->volumes[1].tag, "my_ro-2");
    EXPECT_TRUE(options->volumes[1].read_only);
    std::string long_tag(32, 't');
    for (std::string bad :
        { std::string("data"), ":" + dir, "a/b:" + dir, "a b:" + dir, long_tag + ":" + dir, std::string("data:"),
            "data:" + (scratch.root / "none").string(), "data:" + (scratch.outside / "secret.txt").string() })
        EXPECT_TRUE(parse_options({ "--kernel", "k", "--image", "i", "--volume", bad }).is_error()) << bad;
    EXPECT_TRUE(parse_options({ "--kernel", "k", "--image", "i", "--volume", "a:" + dir, "--volume-ro", "a:" + dir })
                    .is_error()); // one tag twice
    auto snapshot
        = parse_options({ "--kernel", "k", "--image", "i", "--volume", "a:" + dir, "--snapshot-at", "main", "f" });
    ASSERT_TRUE(snapshot.is_error());
    EXPECT_NE(std::string(snapshot.error().message).find("--volume"), std::string::npos);
    EXPECT_TRUE(parse_options({ "--restore", "f", "--volume", "a:" + dir }).is_error());
}

TEST(MonitorNinePOptions, EachVolumeIsAVirtioMmioDevice)
{
    Scratch scratch;
    auto memory = GuestMemory::create(4 << 20).release_value();
    Bus bus;
    Options options;
    options.volumes.push_back({ "first", scratch.share.string(), false });
    options.volumes.push_back({ "second", scratch.outside.string(), true });
    options.rng = true;
    VirtioDevices devices;
    ASSERT_EQ(devices.create(options, memory, bus, [](uint32_t) {}), "");
    ASSERT_EQ(devices.kernel_options().size(), 3u);
    EXPECT_EQ(devices.kernel_options()[1], "virtio_mmio.device=0x200@0xd0001000:6");
    uint32_t id = 0;
    bus.read(0xd0000008, std::span(reinterpret_cast<uint8_t*>(&id), 4));
    EXPECT_EQ(id, kDeviceNineP);
    uint8_t tag[8] = {};
    bus.read(0xd0001100, tag);
    EXPECT_EQ(tag[0], 6);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(tag + 2), 6), "second");
    bus.read(0xd0002008, std::span(reinterpret_cast<uint8_t*>(&id), 4));
    EXPECT_EQ(id, kDeviceRng);

    Options missing;
    missing.volumes.push_back({ "gone", (scratch.root / "none").string(), false });
    VirtioDevices none;
    auto error = none.create(missing, memory, bus, [](uint32_t) {});
    EXPECT_NE(error.find("--volume gone:"), std::string::npos) << error;
}

} // namespace
