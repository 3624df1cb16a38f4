// libFuzzer target: the monitor's virtio device models (rng, blk read-only and read-write, net,
// 9p on a scratch directory) behind the virtio-mmio transport, with rings, descriptors and
// buffers taken from the fuzzer's input and laid into synthetic guest memory. Any input may
// make a device report an error (the VM would stop); none may crash, leak or touch memory
// outside the guest's.
//
// An input is a 16-byte header, then the bytes placed at kDesc: queue 0's descriptor table
// (shared by queue 1), then each queue's available and used rings, packed as ring_layout()
// says, so a few hundred bytes reach a device's chains; buffer addresses outside the input
// are folded into it unless the header says not to. tests/fuzz/virtio_seeds.py writes the
// seeds (a chain every device serves, per request type) with the same layout;
// tests/fuzz/README.md has the coverage they and a run reach.
#include <monitor/virtio/blk.h>
#include <monitor/virtio/mmio_transport.h>
#include <monitor/virtio/net.h>
#include <monitor/virtio/ninep.h>
#include <monitor/virtio/rng.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {

using namespace monitor;
using namespace monitor::virtio;

constexpr uint64_t kRam = 1 << 20, kDesc = 0x1000, kFill = 0x10000;
constexpr size_t kHeader = 16;

// The header's bytes.
enum Header : size_t {
    DeviceChoice = 0, // % 5: rng, blk read-only, blk read-write, 9p, net
    QueueSizeLog,     // % 9: queue size 1 << n, both queues
    Features,         // bit 7: these bits as the low feature word; else the device's own
    SizeOverride,     // bit 7: this byte as queue 0's size (odd, too big)
    DescOverride,     // bit 7: this byte << 12 as queue 0's descriptor address
    Rounds,           // % 4 + 1 notifies
    NotifyQueue,      // bit 4: this byte as the queue index written; else bit 0
    Flags,            // FlagRawAddresses, FlagDeviceEvent, FlagStopMidway
};
constexpr uint8_t FlagRawAddresses = 1, FlagDeviceEvent = 2, FlagStopMidway = 4;

// Where queue `q`'s rings lie for queue size n (VIRTIO 1.2 §2.7: 16-byte descriptors, a
// 2-byte aligned available ring of 6 + 2n bytes, a 4-byte aligned used ring of 6 + 8n).
// Queue 1 shares queue 0's descriptor table; its rings follow queue 0's.
struct RingLayout {
    uint64_t desc, avail[2], used[2], end;
};

RingLayout ring_layout(uint32_t n)
{
    auto align4 = [](uint64_t a) { return (a + 3) & ~uint64_t(3); };
    RingLayout r;
    r.desc = kDesc;
    r.avail[0] = r.desc + 16 * n;
    r.used[0] = align4(r.avail[0] + 6 + 2 * n);
    r.avail[1] = r.used[0] + 6 + 8 * n;
    r.used[1] = align4(r.avail[1] + 6 + 2 * n);
    r.end = r.used[1] + 6 + 8 * n;
    return r;
}

void reg(MmioTransport& t, uint64_t offset, uint32_t value)
{
    (void)t.bus_write(offset, std::span(reinterpret_cast<const uint8_t*>(&value), 4));
}

uint32_t read_reg(MmioTransport& t, uint64_t offset)
{
    uint32_t value = 0;
    t.bus_read(offset, std::span(reinterpret_cast<uint8_t*>(&value), 4));
    return value;
}

// Buffer addresses outside [kDesc, kDesc + span) are folded into it, so chains reach bytes
// of the input (their requests) and stay inside the guest's memory.
void fold_addresses(const GuestMemory& memory, uint32_t n, uint64_t span)
{
    auto table = memory.span(kDesc, 16 * n).value();
    for (size_t i = 0; i < n; ++i) {
        uint64_t addr;
        memcpy(&addr, table.data() + 16 * i, 8);
        if (addr < kDesc || addr >= kDesc + span)
            addr = kDesc + addr % span;
        memcpy(table.data() + 16 * i, &addr, 8);
    }
}

void set_up_queue(MmioTransport& t, uint32_t index, uint32_t size, uint64_t desc, uint64_t avail, uint64_t used)
{
    reg(t, 0x30, index);
    reg(t, 0x38, size);
    reg(t, 0x80, uint32_t(desc)), reg(t, 0x84, uint32_t(desc >> 32));
    reg(t, 0x90, uint32_t(avail)), reg(t, 0xa0, uint32_t(used));
    reg(t, 0x44, 1);
}

// Returns whether the device reported a guest fault (the VM would stop).
bool drive(MmioTransport& t, const uint8_t* header, uint32_t n, const RingLayout& rings)
{
    reg(t, 0x70, 1 | 2); // ACKNOWLEDGE, DRIVER
    reg(t, 0x14, 0);
    uint32_t offered = read_reg(t, 0x10);
    reg(t, 0x24, 1), reg(t, 0x20, 1); // VIRTIO_F_VERSION_1
    reg(t, 0x24, 0), reg(t, 0x20, header[Features] & 0x80 ? uint32_t(header[Features]) << 1 : offered);
    reg(t, 0x70, 1 | 2 | 8);
    uint32_t size0 = header[SizeOverride] & 0x80 ? header[SizeOverride] : n;
    uint64_t desc0 = header[DescOverride] & 0x80 ? uint64_t(header[DescOverride]) << 12 : rings.desc;
    set_up_queue(t, 0, size0, desc0, rings.avail[0], rings.used[0]);
    set_up_queue(t, 1, n, rings.desc, rings.avail[1], rings.used[1]); // refused where there is none
    reg(t, 0x70, 1 | 2 | 8 | 4);                                      // DRIVER_OK
    int rounds = header[Rounds] % 4 + 1;
    for (int round = 0; round < rounds; ++round) {
        uint32_t queue = header[NotifyQueue] & 0x10 ? header[NotifyQueue] : header[NotifyQueue] & 1;
        if (t.bus_write(0x50, std::span(reinterpret_cast<const uint8_t*>(&queue), 4)).is_error())
            return true;
        if ((header[Flags] & FlagDeviceEvent) && t.device_event(0).is_error()) // the net poller's path
            return true;
        if ((header[Flags] & FlagStopMidway) && round == 0)
            reg(t, 0x70, 1 | 2 | 8); // DRIVER_OK cleared without a reset (issue 17)
    }
    return false;
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

GuestMemory& guest_memory()
{
    static GuestMemory memory = GuestMemory::create(kRam).release_value();
    return memory;
}

} // namespace

namespace {

// One input, whole; whether a device reported a guest fault.
bool run_input(const uint8_t* data, size_t size)
{
    GuestMemory& memory = guest_memory();
    static int disk = [] {
        int fd = memfd_create("fuzz-disk", 0);
        (void)!ftruncate(fd, 8192);
        return fd;
    }();
    if (size < kHeader)
        return false;
    auto ram = memory.span(0, kFill).value();
    memset(ram.data(), 0, ram.size());
    size_t body = std::min(size - kHeader, size_t(kFill - kDesc));
    memcpy(ram.data() + kDesc, data + kHeader, body);
    uint32_t n = 1u << (data[QueueSizeLog] % 9);
    if (!(data[Flags] & FlagRawAddresses))
        fold_addresses(memory, n, std::max<uint64_t>(body, 256));
    auto device = make_device(data[DeviceChoice], memory, disk);
    MmioTransport transport(*device, memory, [] {});
    return drive(transport, data, n, ring_layout(n));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    (void)run_input(data, size);
    return 0;
}

#ifdef OSPREY_VIRTIO_SEED_CHECK
#include <cstdio>
#include <fstream>
#include <iterator>
#include <vector>

// bin/virtio_seed_check (tests/fuzz/CMakeLists.txt, test fuzz.virtio_seeds): runs each seed
// once and fails when its device used no chain or reported a guest fault, so the seeds
// cannot drift from the layout above back into inputs that reach nothing. A seed named
// *_outside_memory must make the device report the bad address (the VM would stop).
int main(int argc, char** argv)
{
    int failures = 0;
    for (int i = 1; i < argc; ++i) {
        std::ifstream in(argv[i], std::ios::binary);
        std::vector<uint8_t> input((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (input.size() < kHeader) {
            fprintf(stderr, "%s: shorter than the header\n", argv[i]);
            return 2;
        }
        bool fault = run_input(input.data(), input.size());
        RingLayout rings = ring_layout(1u << (input[QueueSizeLog] % 9));
        uint16_t used[2];
        for (int q = 0; q < 2; ++q)
            memcpy(&used[q], guest_memory().span(rings.used[q] + 2, 2).value().data(), 2);
        bool refused = std::string_view(argv[i]).ends_with("_outside_memory");
        bool ok = refused ? fault : !fault && used[0] + used[1] > 0;
        printf("%s: chains used %u (queue 0) %u (queue 1)%s%s\n", argv[i], used[0], used[1],
            fault ? ", guest fault" : "", ok ? "" : ": WRONG");
        failures += !ok;
    }
    return failures ? 1 : 0;
}
#endif
