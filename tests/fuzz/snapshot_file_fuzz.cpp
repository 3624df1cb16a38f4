// The snapshot reader (monitor/snapshot_file.h) and the device models' state restore on
// hostile bytes (issue 16): nothing may crash, read out of bounds or accept a state that
// does not parse. Each input is used three ways:
//   1. as a whole snapshot file (a memfd): read_snapshot checks the header and CRCs;
//   2. as a state stream: decode_snapshot_state, and the 16550's and a virtio-mmio
//      transport's restore over 64 KiB of guest memory;
//   3. overlaid on a valid encoded state at an offset the first two bytes choose, so that
//      the decoder's deeper checks (shapes, counts, lengths) see near-valid input.
#include <monitor/serial.h>
#include <monitor/snapshot_file.h>
#include <monitor/virtio/mmio_transport.h>
#include <monitor/virtio/rng.h>

#include <cstring>
#include <sys/mman.h>
#include <unistd.h>

using namespace monitor;

namespace {

std::vector<uint8_t> valid_state()
{
    Snapshot s;
    s.ram_bytes = 2 << 20;
    s.cpus = 2;
    s.request_gpa = 0x1000;
    s.image = { "/image", 4096, 1, true };
    s.disks = { { "/disk", 512, 2, false } };
    s.vm = { 1, 2, 3, 4 };
    s.vcpus = { { 5, 6 }, { 7 } };
    s.devices = { 8, 9 };
    return encode_snapshot_state(s);
}

void as_file(const uint8_t* data, size_t size)
{
    int fd = memfd_create("snapshot", MFD_CLOEXEC);
    if (fd < 0)
        return;
    if (write(fd, data, size) == ssize_t(size))
        (void)read_snapshot(fd);
    close(fd);
}

void as_state(std::span<const uint8_t> bytes)
{
    auto decoded = decode_snapshot_state(bytes);
    if (!decoded.is_error() && (decoded->cpus == 0 || decoded->vcpus.size() != decoded->cpus))
        __builtin_trap(); // the decoder must refuse what does not fit its shape
    static GuestMemory memory = GuestMemory::create(2 << 20).release_value();
    StateReader in(bytes);
    Serial16550 uart([](uint8_t) {});
    if (uart.restore(in).is_error())
        return;
    virtio::RngDevice rng(memory);
    virtio::MmioTransport transport(rng, memory, [] {});
    (void)transport.restore(in);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    as_file(data, size);
    as_state({ data, size });
    static const std::vector<uint8_t> valid = valid_state();
    if (size >= 2) {
        std::vector<uint8_t> mixed = valid;
        size_t offset = (size_t(data[0]) | size_t(data[1]) << 8) % mixed.size();
        size_t count = std::min(size - 2, mixed.size() - offset);
        memcpy(mixed.data() + offset, data + 2, count);
        as_state(mixed);
    }
    return 0;
}
