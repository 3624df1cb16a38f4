// libFuzzer target: the monitor's virtio device models (rng, blk read-only and read-write, net,
// 9p on a scratch directory)
// behind the virtio-mmio transport, with rings, descriptors and buffers taken from the
// fuzzer's input and laid into synthetic guest memory. Any input may make a device report
// an error (the VM would stop); none may crash, leak or touch memory outside the guest's.
#include <monitor/virtio/blk.h>
#include <monitor/virtio/mmio_transport.h>
#include <monitor/virtio/net.h>
#include <monitor/virtio/ninep.h>
#include <monitor/virtio/rng.h>

#include <cstring>
#include <memory>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {

using namespace monitor;
using namespace monitor::virtio;

constexpr uint64_t kRam = 1 << 20, kDesc = 0x1000, kAvail = 0x3000, kUsed = 0x4000, kFill = 0x10000;

void reg(MmioTransport& t, uint64_t offset, uint32_t value)
{
    (void)t.bus_write(offset, std::span(reinterpret_cast<const uint8_t*>(&value), 4));
}

// Descriptors with addresses folded into the first 64 KiB, so chains reach the devices.
void fold_addresses(const GuestMemory& memory)
{
    auto table = memory.span(kDesc, 16 * 256).value();
    for (size_t i = 0; i < 256; ++i) {
        uint64_t addr;
        memcpy(&addr, table.data() + 16 * i, 8);
        addr %= kFill;
        memcpy(table.data() + 16 * i, &addr, 8);
    }
}

void drive(MmioTransport& t, const uint8_t* data)
{
    uint32_t size = 1u << (data[1] % 9);
    reg(t, 0x70, 3);
    reg(t, 0x24, 1), reg(t, 0x20, 1);
    reg(t, 0x24, 0), reg(t, 0x20, data[2] & 1 ? 1u << 9 : 0);
    reg(t, 0x70, 3 | 8);
    reg(t, 0x30, 0);
    reg(t, 0x38, data[3] & 0x80 ? data[3] : size);
    reg(t, 0x80, data[4] & 0x80 ? uint32_t(data[4]) << 12 : kDesc);
    reg(t, 0x90, kAvail), reg(t, 0xa0, kUsed);
    reg(t, 0x44, 1);
    reg(t, 0x70, 3 | 8 | 4);
    for (int round = 0; round <= (data[5] & 3); ++round) {
        uint32_t queue = data[6] & 0x10 ? data[6] : data[6] & 1;
        if (t.bus_write(0x50, std::span(reinterpret_cast<const uint8_t*>(&queue), 4)).is_error())
            return;
    }
}

// A datagram socket pair stands in for the tap; the far end always has a frame waiting.
TapLink& fake_tap()
{
    static int ends[2] = { -1, -1 };
    if (ends[0] < 0)
        socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, ends);
    static TapLink link(ends[0]);
    (void)!write(ends[1], "fuzz-frame-0123456789", 21);
    char drain[64];
    while (read(ends[1], drain, sizeof(drain)) > 0) { } // what the device transmitted
    return link;
}

// A read-only volume, so no input changes what the next one sees.
std::unique_ptr<Device> make_volume(const GuestMemory& memory)
{
    static std::string share = [] {
        char pattern[] = "/tmp/osprey-virtio-fuzz-XXXXXX";
        std::string path = mkdtemp(pattern);
        (void)!mkdir((path + "/d").c_str(), 0755);
        (void)!symlink("/etc", (path + "/etc").c_str());
        return path;
    }();
    auto server = volume::NinepServer::open(share, volume::VolumeAccess::ReadOnly).release_value();
    return std::make_unique<NinePDevice>(memory, "fuzz", std::move(server));
}

std::unique_ptr<Device> make_device(uint8_t choice, const GuestMemory& memory, int disk)
{
    switch (choice % 5) {
    case 0: return std::make_unique<RngDevice>(memory);
    case 1: return std::make_unique<BlockDevice>(memory, disk, 8192, DiskMode::ReadOnly);
    case 2: return std::make_unique<BlockDevice>(memory, disk, 8192, DiskMode::ReadWrite);
    case 3: return make_volume(memory);
    }
    return std::make_unique<NetDevice>(memory, fake_tap(), -1, std::array<uint8_t, 6> {});
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static GuestMemory memory = GuestMemory::create(kRam).release_value();
    static int disk = [] {
        int fd = memfd_create("fuzz-disk", 0);
        (void)!ftruncate(fd, 8192);
        return fd;
    }();
    constexpr size_t kHeader = 8;
    if (size < kHeader)
        return 0;
    auto ram = memory.span(0, kFill).value();
    memset(ram.data(), 0, ram.size());
    memcpy(ram.data() + kDesc, data + kHeader, std::min(size - kHeader, size_t(kFill - kDesc)));
    if (data[7] & 1)
        fold_addresses(memory);
    auto device = make_device(data[0], memory, disk);
    MmioTransport transport(*device, memory, [] {});
    drive(transport, data);
    return 0;
}
