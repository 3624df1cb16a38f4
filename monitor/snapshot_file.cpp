#include "snapshot_file.h"

#include "snapshot_state.h"

#include <abi/snapshot_port.h>

#include <images/crc32c.h>

#include <cerrno>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>

namespace monitor {

namespace {

constexpr uint64_t kPage = 4096;
constexpr uint64_t kRamGranule = 2ull << 20, kMaxRam = 64ull << 30;

struct Header {
    char magic[8];
    uint32_t version;
    uint32_t state_crc; // CRC-32C of the state bytes
    uint64_t state_offset;
    uint64_t state_length;
    uint64_t memory_offset;
    uint64_t memory_length;
    uint32_t header_crc; // CRC-32C of this header with header_crc = 0
    uint32_t reserved;
};
static_assert(sizeof(Header) == 56);

uint32_t crc_of(const void* data, size_t size) { return images::crc32c({ static_cast<const std::byte*>(data), size }); }

uint32_t header_crc(Header header)
{
    header.header_crc = 0;
    return crc_of(&header, sizeof header);
}

void put_file(StateWriter& out, const SnapshotFileRef& file)
{
    out.text(file.path);
    out.u64(file.size);
    out.u64(uint64_t(file.mtime_ns));
    out.u8(file.read_only);
}

lib::Result<SnapshotFileRef> get_file(StateReader& in)
{
    SnapshotFileRef file;
    file.path = TRY(in.text());
    file.size = TRY(in.u64());
    file.mtime_ns = int64_t(TRY(in.u64()));
    file.read_only = TRY(in.u8()) != 0;
    return file;
}

lib::Result<std::vector<uint8_t>> get_blob(StateReader& in)
{
    auto data = TRY(in.bytes());
    return std::vector<uint8_t>(data.begin(), data.end());
}

lib::Error write_error() { return lib::Error(lib::Errno(errno), "cannot write the snapshot file"); }

lib::Result<void> write_all(int fd, const void* data, size_t size, uint64_t offset)
{
    auto* p = static_cast<const uint8_t*>(data);
    while (size > 0) {
        ssize_t n = pwrite(fd, p, size, off_t(offset));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? write_error() : lib::Error(lib::Errno::IO, "cannot write the snapshot file");
        p += n, size -= size_t(n), offset += uint64_t(n);
    }
    return {};
}

lib::Result<void> read_all(int fd, void* data, size_t size, uint64_t offset)
{
    auto* p = static_cast<uint8_t*>(data);
    while (size > 0) {
        ssize_t n = pread(fd, p, size, off_t(offset));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return lib::Error(lib::Errno(errno), "cannot read the snapshot file");
        if (n == 0)
            return lib::Error(lib::Errno::INVAL, "the snapshot file is truncated");
        p += n, size -= size_t(n), offset += uint64_t(n);
    }
    return {};
}

bool all_zero(const uint8_t* page)
{
    static const uint8_t zeros[kPage] = {};
    return memcmp(page, zeros, kPage) == 0;
}

/// RAM at `offset`, skipping pages of zeros (the file's holes read as zero): runs of
/// non-zero pages go out in one write each.
lib::Result<void> write_memory(int fd, const MemoryRegion& ram, uint64_t offset)
{
    if (ftruncate(fd, off_t(offset + ram.size)) < 0)
        return write_error();
    uint64_t run_start = 0, run_length = 0;
    for (uint64_t page = 0; page < ram.size; page += kPage) {
        if (!all_zero(ram.host + page)) {
            if (run_length == 0)
                run_start = page;
            run_length += kPage;
            continue;
        }
        if (run_length)
            TRY(write_all(fd, ram.host + run_start, run_length, offset + run_start));
        run_length = 0;
    }
    if (run_length)
        TRY(write_all(fd, ram.host + run_start, run_length, offset + run_start));
    return {};
}

void put_network(StateWriter& out, const SnapshotNetwork& network)
{
    out.u8(uint8_t(network.kind));
    out.text(network.tap);
    out.bytes(network.mac);
    out.u32(uint32_t(network.published.size()));
    for (const user_network::PublishedPort& port : network.published) {
        out.text(port.host_address);
        out.u16(port.host_port);
        out.u16(port.guest_port);
        out.u8(port.udp);
    }
}

lib::Result<SnapshotNetwork> get_network(StateReader& in)
{
    constexpr uint32_t kMaxPublished = 1024;
    constexpr size_t kMaxName = 64;
    SnapshotNetwork network;
    uint8_t kind = TRY(in.u8());
    if (kind > uint8_t(SnapshotNetwork::Kind::Tap))
        return lib::Error(lib::Errno::INVAL, "the snapshot's network is of an unknown kind");
    network.kind = SnapshotNetwork::Kind(kind);
    network.tap = TRY(in.text());
    auto mac = TRY(in.bytes());
    if (mac.size() != network.mac.size() || network.tap.size() > kMaxName)
        return lib::Error(lib::Errno::INVAL, "the snapshot's network device is malformed");
    memcpy(network.mac.data(), mac.data(), mac.size());
    uint32_t ports = TRY(in.u32());
    if (ports > kMaxPublished)
        return lib::Error(lib::Errno::INVAL, "the snapshot publishes more ports than a VM can");
    for (uint32_t i = 0; i < ports; ++i) {
        user_network::PublishedPort port;
        port.host_address = TRY(in.text());
        port.host_port = TRY(in.u16());
        port.guest_port = TRY(in.u16());
        port.udp = TRY(in.u8()) != 0;
        if (port.host_address.size() > kMaxName)
            return lib::Error(lib::Errno::INVAL, "the snapshot's published port is malformed");
        network.published.push_back(std::move(port));
    }
    return network;
}

} // namespace

std::vector<uint8_t> encode_snapshot_state(const Snapshot& snapshot)
{
    StateWriter out;
    out.u64(snapshot.ram_bytes);
    out.u32(snapshot.cpus);
    out.u32(snapshot.tsc_khz);
    out.u64(snapshot.request_gpa);
    out.u8(snapshot.rng);
    put_file(out, snapshot.image);
    out.u32(uint32_t(snapshot.disks.size()));
    for (const SnapshotFileRef& disk : snapshot.disks)
        put_file(out, disk);
    put_network(out, snapshot.network);
    out.bytes(snapshot.vm);
    out.u32(uint32_t(snapshot.vcpus.size()));
    for (const std::vector<uint8_t>& vcpu : snapshot.vcpus)
        out.bytes(vcpu);
    out.bytes(snapshot.devices);
    return out.take();
}

lib::Result<Snapshot> decode_snapshot_state(std::span<const uint8_t> data)
{
    StateReader in(data);
    Snapshot s;
    s.ram_bytes = TRY(in.u64());
    s.cpus = TRY(in.u32());
    s.tsc_khz = TRY(in.u32());
    s.request_gpa = TRY(in.u64());
    s.rng = TRY(in.u8()) != 0;
    if (s.ram_bytes == 0 || s.ram_bytes > kMaxRam || s.ram_bytes % kRamGranule)
        return lib::Error(lib::Errno::INVAL, "the snapshot's RAM size is not a multiple of 2 MiB up to 64 GiB");
    if (s.cpus == 0 || s.cpus > kSnapshotMaxCpus)
        return lib::Error(lib::Errno::INVAL, "the snapshot's vCPU count is out of range");
    if (s.request_gpa > s.ram_bytes - sizeof(snapshot_abi::SnapshotRequest))
        return lib::Error(lib::Errno::INVAL, "the snapshot's request record lies outside RAM");
    s.image = TRY(get_file(in));
    uint32_t disks = TRY(in.u32());
    if (disks > 8)
        return lib::Error(lib::Errno::INVAL, "the snapshot lists more disks than a VM can have");
    for (uint32_t i = 0; i < disks; ++i)
        s.disks.push_back(TRY(get_file(in)));
    s.network = TRY(get_network(in));
    s.vm = TRY(get_blob(in));
    uint32_t vcpus = TRY(in.u32());
    if (vcpus != s.cpus)
        return lib::Error(lib::Errno::INVAL, "the snapshot's vCPU states do not match its vCPU count");
    for (uint32_t i = 0; i < vcpus; ++i)
        s.vcpus.push_back(TRY(get_blob(in)));
    s.devices = TRY(get_blob(in));
    if (!in.at_end())
        return lib::Error(lib::Errno::INVAL, "the snapshot's state has bytes after its end");
    return s;
}

lib::Result<void> write_snapshot(int fd, const Snapshot& snapshot, const GuestMemory& memory)
{
    if (memory.regions().empty() || memory.regions()[0].size != snapshot.ram_bytes)
        return lib::Error(lib::Errno::INVAL, "the snapshot's RAM size is not the VM's");
    std::vector<uint8_t> state = encode_snapshot_state(snapshot);
    Header header {};
    memcpy(header.magic, kSnapshotMagic, sizeof header.magic);
    header.version = kSnapshotVersion;
    header.state_offset = kSnapshotHeaderSize;
    header.state_length = state.size();
    header.state_crc = crc_of(state.data(), state.size());
    header.memory_offset = (kSnapshotHeaderSize + state.size() + kPage - 1) & ~(kPage - 1);
    header.memory_length = snapshot.ram_bytes;
    header.header_crc = header_crc(header);
    TRY(write_memory(fd, memory.regions()[0], header.memory_offset));
    TRY(write_all(fd, state.data(), state.size(), header.state_offset));
    // The header last: a file cut short by a crash has no valid header.
    TRY(write_all(fd, &header, sizeof header, 0));
    return {};
}

lib::Result<OpenedSnapshot> read_snapshot(int fd)
{
    struct stat st { };
    if (fstat(fd, &st) < 0)
        return lib::Error(lib::Errno(errno), "cannot read the snapshot file");
    if (!S_ISREG(st.st_mode))
        return lib::Error(lib::Errno::INVAL, "the snapshot is not a regular file");
    uint64_t file_size = uint64_t(st.st_size);
    if (file_size < kSnapshotHeaderSize)
        return lib::Error(lib::Errno::INVAL, "the file is too short to be a snapshot");
    Header header;
    TRY(read_all(fd, &header, sizeof header, 0));
    if (memcmp(header.magic, kSnapshotMagic, sizeof header.magic) != 0)
        return lib::Error(lib::Errno::INVAL, "the file is not an Osprey snapshot (bad magic)");
    if (header_crc(header) != header.header_crc)
        return lib::Error(lib::Errno::INVAL, "the snapshot's header is corrupt (checksum mismatch)");
    if (header.version != kSnapshotVersion)
        return lib::Error(lib::Errno::INVAL, "the snapshot was written by another version of osprey-monitor");
    if (header.state_offset != kSnapshotHeaderSize || header.state_length > (64u << 20)
        || header.state_length > file_size - kSnapshotHeaderSize)
        return lib::Error(lib::Errno::INVAL, "the snapshot's state lies outside the file (truncated?)");
    if (header.memory_offset % kPage || header.memory_offset < header.state_offset + header.state_length
        || !range_inside(header.memory_offset, header.memory_length, file_size))
        return lib::Error(lib::Errno::INVAL, "the snapshot's memory lies outside the file (truncated?)");
    std::vector<uint8_t> state(header.state_length);
    TRY(read_all(fd, state.data(), state.size(), header.state_offset));
    if (crc_of(state.data(), state.size()) != header.state_crc)
        return lib::Error(lib::Errno::INVAL, "the snapshot's state is corrupt (checksum mismatch)");
    Snapshot snapshot = TRY(decode_snapshot_state(state));
    if (snapshot.ram_bytes != header.memory_length)
        return lib::Error(lib::Errno::INVAL, "the snapshot's memory size does not match its state");
    return OpenedSnapshot { std::move(snapshot), header.memory_offset };
}

} // namespace monitor
