// Snapshots in the monitor's portable part: the file format (round trip, every way a file
// can be bad refused with a clear error), the snapshot port's answers, and the device
// models' state surviving a save into fresh devices. The KVM side runs in the nested
// harness (kvm.snapshot_restore).
#include "monitor_virtio_driver.h"

#include <monitor/serial.h>
#include <monitor/snapshot_file.h>
#include <monitor/snapshot_port.h>
#include <monitor/snapshot_state.h>
#include <monitor/virtio/blk.h>
#include <monitor/virtio/rng.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace {

using namespace monitor;
using namespace monitor_test;

constexpr uint64_t kRam = 2 << 20;
constexpr uint16_t kWrite = 2; // VIRTQ_DESC_F_WRITE

Snapshot sample_snapshot()
{
    Snapshot s;
    s.ram_bytes = kRam;
    s.cpus = 2;
    s.tsc_khz = 2'500'000;
    s.request_gpa = 0x1000;
    s.rng = true;
    s.image = { "/images/app.img", 12345, 1'700'000'000'123'456'789, true };
    s.disks = { { "/data/disk.raw", 1 << 20, 42, false } };
    s.network = { SnapshotNetwork::Kind::User, "", { 2, 0x4f, 0x53, 0x50, 0x52, 1 },
        { { "127.0.0.1", 8080, 80, false }, { "", 5353, 53, true } } };
    s.vm = { 1, 2, 3 };
    s.vcpus = { { 4, 5 }, { 6 } };
    s.devices = { 7, 8, 9, 10 };
    return s;
}

/// A temporary file, removed at the end.
struct TempFile {
    std::string path;
    int fd;
    TempFile()
    {
        char name[] = "/tmp/osprey-snapshot-test-XXXXXX";
        fd = mkstemp(name);
        path = name;
    }
    ~TempFile()
    {
        close(fd);
        unlink(path.c_str());
    }
    void patch(uint64_t offset, const void* bytes, size_t size)
    {
        ASSERT_EQ(pwrite(fd, bytes, size, off_t(offset)), ssize_t(size));
    }
    uint64_t size() const
    {
        struct stat st { };
        fstat(fd, &st);
        return uint64_t(st.st_size);
    }
};

GuestMemory ram_with_pattern()
{
    GuestMemory memory = GuestMemory::create(kRam).release_value();
    auto span = memory.span(0, kRam).value();
    for (uint64_t page = 0; page < kRam; page += 4096 * 7) // most pages stay zero
        memset(span.data() + page, (int(page / 4096) & 0xff) | 1, 4096);
    return memory;
}

TEST(MonitorSnapshot, StateRoundTrips)
{
    Snapshot s = sample_snapshot();
    auto decoded = decode_snapshot_state(encode_snapshot_state(s));
    ASSERT_FALSE(decoded.is_error()) << decoded.error().message;
    EXPECT_EQ(decoded.value(), s);
}

TEST(MonitorSnapshot, EveryTruncationOfTheStateIsRefused)
{
    std::vector<uint8_t> state = encode_snapshot_state(sample_snapshot());
    for (size_t length = 0; length < state.size(); ++length)
        EXPECT_TRUE(decode_snapshot_state(std::span(state.data(), length)).is_error()) << length;
}

TEST(MonitorSnapshot, BadShapesAreRefused)
{
    auto refused = [](Snapshot s) { return decode_snapshot_state(encode_snapshot_state(s)).is_error(); };
    Snapshot s = sample_snapshot();
    s.ram_bytes = kRam + 4096;
    EXPECT_TRUE(refused(s));
    s = sample_snapshot();
    s.cpus = 0;
    s.vcpus.clear();
    EXPECT_TRUE(refused(s));
    s = sample_snapshot();
    s.vcpus.pop_back(); // fewer states than vCPUs
    EXPECT_TRUE(refused(s));
    s = sample_snapshot();
    s.request_gpa = kRam - 8; // the record would cross the end of RAM
    EXPECT_TRUE(refused(s));
    s = sample_snapshot();
    s.network.kind = SnapshotNetwork::Kind(3); // no such network
    EXPECT_TRUE(refused(s));
    s = sample_snapshot();
    s.network.tap = std::string(100, 't'); // longer than any interface name
    EXPECT_TRUE(refused(s));
}

TEST(MonitorSnapshot, FileRoundTripsWithRamAndHoles)
{
    TempFile file;
    GuestMemory memory = ram_with_pattern();
    Snapshot s = sample_snapshot();
    ASSERT_FALSE(write_snapshot(file.fd, s, memory).is_error());
    auto opened = read_snapshot(file.fd);
    ASSERT_FALSE(opened.is_error()) << opened.error().message;
    EXPECT_EQ(opened->snapshot, s);
    EXPECT_EQ(opened->memory_offset % 4096, 0u);
    EXPECT_EQ(file.size(), opened->memory_offset + kRam);
    // RAM comes back as the restore maps it: the file's pages copy-on-write.
    GuestMemory restored = GuestMemory::create(kRam).release_value();
    ASSERT_FALSE(restored.map_file_pages(0, file.fd, opened->memory_offset, kRam).is_error());
    auto original = memory.read_span(0, kRam).value(), copy = restored.read_span(0, kRam).value();
    EXPECT_EQ(memcmp(original.data(), copy.data(), kRam), 0);
    // Zero pages were left as holes: the file takes less room than RAM.
    struct stat st { };
    fstat(file.fd, &st);
    EXPECT_LT(uint64_t(st.st_blocks) * 512, kRam / 2);
}

TEST(MonitorSnapshot, BadFilesAreRefusedWithAReason)
{
    GuestMemory memory = ram_with_pattern();
    auto reason = [&](auto damage) {
        TempFile file;
        EXPECT_FALSE(write_snapshot(file.fd, sample_snapshot(), memory).is_error());
        damage(file);
        auto opened = read_snapshot(file.fd);
        return opened.is_error() ? std::string(opened.error().message) : std::string("accepted");
    };
    EXPECT_NE(reason([](TempFile& f) { f.patch(0, "NOTASNAP", 8); }).find("bad magic"), std::string::npos);
    EXPECT_NE(reason([](TempFile& f) {
        uint8_t b = 0x55;
        f.patch(20, &b, 1);
    }).find("header is corrupt"),
        std::string::npos);
    EXPECT_NE(reason([](TempFile& f) {
        uint8_t b = 0x55;
        f.patch(4096 + 3, &b, 1);
    }).find("state is corrupt"),
        std::string::npos);
    EXPECT_NE(reason([](TempFile& f) { ASSERT_EQ(ftruncate(f.fd, off_t(f.size() - 4096)), 0); }).find("truncated"),
        std::string::npos);
    EXPECT_NE(
        reason([](TempFile& f) { ASSERT_EQ(ftruncate(f.fd, 4096 + 10), 0); }).find("truncated"), std::string::npos);
    EXPECT_NE(reason([](TempFile& f) { ASSERT_EQ(ftruncate(f.fd, 100), 0); }).find("too short"), std::string::npos);
    EXPECT_NE(reason([](TempFile& f) { ASSERT_EQ(ftruncate(f.fd, 0), 0); }).find("too short"), std::string::npos);
}

TEST(MonitorSnapshot, WriteRefusesRamOfAnotherSize)
{
    TempFile file;
    GuestMemory memory = GuestMemory::create(4 << 20).release_value();
    EXPECT_TRUE(write_snapshot(file.fd, sample_snapshot(), memory).is_error());
}

struct PortFixture {
    GuestMemory memory = GuestMemory::create(kRam).release_value();
    static constexpr uint64_t kRecord = 0x3000;

    lib::Result<void> ask(SnapshotPort& port, snapshot_abi::SnapshotPoint point, uint64_t gpa = kRecord)
    {
        snapshot_abi::SnapshotRequest request {};
        request.point = uint32_t(point);
        (void)memory.write(kRecord, std::span(reinterpret_cast<const uint8_t*>(&request), sizeof request));
        uint32_t address = uint32_t(gpa);
        return port.bus_write(0, std::span(reinterpret_cast<const uint8_t*>(&address), 4));
    }
    snapshot_abi::SnapshotRequest record()
    {
        snapshot_abi::SnapshotRequest request;
        EXPECT_FALSE(memory.read(kRecord, std::span(reinterpret_cast<uint8_t*>(&request), sizeof request)).is_error());
        return request;
    }
};

TEST(MonitorSnapshotPort, OnlyTheWantedPointIsKeptAndOnlyOnce)
{
    PortFixture f;
    SnapshotPort port(f.memory, snapshot_abi::SnapshotPoint::Ready);
    ASSERT_FALSE(f.ask(port, snapshot_abi::SnapshotPoint::Main).is_error());
    EXPECT_EQ(f.record().result, uint32_t(snapshot_abi::SnapshotResult::Skipped));
    EXPECT_FALSE(port.take_request());
    ASSERT_FALSE(f.ask(port, snapshot_abi::SnapshotPoint::Ready).is_error());
    EXPECT_EQ(f.record().result, uint32_t(snapshot_abi::SnapshotResult::Pending));
    EXPECT_EQ(port.take_request(), PortFixture::kRecord);
    EXPECT_FALSE(port.take_request());
    ASSERT_FALSE(f.ask(port, snapshot_abi::SnapshotPoint::Ready).is_error()); // a second time
    EXPECT_EQ(f.record().result, uint32_t(snapshot_abi::SnapshotResult::Skipped));
    EXPECT_FALSE(port.take_request());
}

TEST(MonitorSnapshotPort, AVmWithoutSnapshotsSkipsEveryRequest)
{
    PortFixture f;
    SnapshotPort port(f.memory, std::nullopt);
    ASSERT_FALSE(f.ask(port, snapshot_abi::SnapshotPoint::Main).is_error());
    EXPECT_EQ(f.record().result, uint32_t(snapshot_abi::SnapshotResult::Skipped));
    EXPECT_FALSE(port.take_request());
}

TEST(MonitorSnapshotPort, ARecordOutsideRamStopsTheVm)
{
    PortFixture f;
    SnapshotPort port(f.memory, snapshot_abi::SnapshotPoint::Main);
    EXPECT_TRUE(f.ask(port, snapshot_abi::SnapshotPoint::Main, kRam - 8).is_error());
    EXPECT_FALSE(port.take_request());
}

TEST(MonitorSnapshotPort, ARecordInTheReadOnlyImageStopsTheVm)
{
    PortFixture f;
    TempFile image;
    ASSERT_EQ(ftruncate(image.fd, 4096), 0);
    ASSERT_FALSE(f.memory.map_file_readonly(dup(image.fd), kRam, 4096).is_error());
    SnapshotPort port(f.memory, snapshot_abi::SnapshotPoint::Main);
    EXPECT_TRUE(f.ask(port, snapshot_abi::SnapshotPoint::Main, kRam).is_error()); // readable, not writable
    EXPECT_FALSE(port.take_request());
}

TEST(MonitorSnapshotPort, RestoredAnswersCarryTimeAndFreshRandomBytes)
{
    PortFixture f;
    ASSERT_FALSE(
        f.ask(*std::make_unique<SnapshotPort>(f.memory, std::nullopt), snapshot_abi::SnapshotPoint::Main).is_error());
    ASSERT_FALSE(
        SnapshotPort::answer(f.memory, PortFixture::kRecord, snapshot_abi::SnapshotResult::Restored).is_error());
    snapshot_abi::SnapshotRequest first = f.record();
    ASSERT_FALSE(
        SnapshotPort::answer(f.memory, PortFixture::kRecord, snapshot_abi::SnapshotResult::Restored).is_error());
    snapshot_abi::SnapshotRequest second = f.record();
    EXPECT_EQ(first.result, uint32_t(snapshot_abi::SnapshotResult::Restored));
    EXPECT_GT(first.wall_clock_ns, 1'600'000'000ll * 1'000'000'000); // after 2020
    EXPECT_NE(memcmp(first.random_seed, second.random_seed, sizeof first.random_seed), 0);
    EXPECT_TRUE(SnapshotPort::answer(f.memory, kRam, snapshot_abi::SnapshotResult::Restored).is_error());
}

TEST(MonitorSnapshotDevices, SerialStateSurvivesIntoAFreshUart)
{
    std::string out;
    Serial16550 uart([&](uint8_t b) { out.push_back(char(b)); });
    auto write
        = [](Serial16550& u, uint64_t reg, uint8_t v) { ASSERT_FALSE(u.bus_write(reg, std::span(&v, 1)).is_error()); };
    auto read = [](Serial16550& u, uint64_t reg) {
        uint8_t v;
        u.bus_read(reg, std::span(&v, 1));
        return v;
    };
    write(uart, 3, 0x03); // 8N1
    write(uart, 1, 0x01); // received-data interrupt on
    write(uart, 7, 0x5a); // scratch
    const uint8_t input[] = { 'a', 'b' };
    EXPECT_EQ(uart.receive(input), 1u); // FIFOs off: one byte held
    StateWriter saved;
    uart.save(saved);
    Serial16550 fresh([&](uint8_t b) { out.push_back(char(b)); });
    StateReader in(saved.data());
    ASSERT_FALSE(fresh.restore(in).is_error());
    EXPECT_TRUE(in.at_end());
    EXPECT_EQ(read(fresh, 3), 0x03);
    EXPECT_EQ(read(fresh, 1), 0x01);
    EXPECT_EQ(read(fresh, 7), 0x5a);
    EXPECT_EQ(read(fresh, 5) & 1, 1); // data ready
    EXPECT_EQ(read(fresh, 0), 'a');
    // A damaged stream is refused.
    std::vector<uint8_t> bad = saved.data();
    bad.resize(bad.size() - 2);
    StateReader short_in(bad);
    EXPECT_TRUE(Serial16550([](uint8_t) {}).restore(short_in).is_error());
}

TEST(MonitorSnapshotDevices, VirtqueuesGoOnFromWhereTheyWere)
{
    VirtioDriver driver;
    RngDevice rng { driver.memory };
    MmioTransport transport { rng, driver.memory, [&] { ++driver.interrupts; } };
    driver.initialise(transport);
    driver.descriptor(0, VirtioDriver::kData, 16, kWrite, 0);
    driver.make_available(0);
    ASSERT_FALSE(driver.notify(transport).is_error());
    ASSERT_EQ(driver.used_idx(), 1);
    StateWriter saved;
    transport.save(saved);

    // A fresh device with the saved state serves the next buffer into used slot 1, not 0.
    RngDevice rng2 { driver.memory };
    MmioTransport restored { rng2, driver.memory, [&] { ++driver.interrupts; } };
    StateReader in(saved.data());
    ASSERT_FALSE(restored.restore(in).is_error());
    EXPECT_EQ(driver.read32(restored, 0x70), driver.read32(transport, 0x70));
    driver.descriptor(1, VirtioDriver::kData + 64, 16, kWrite, 0);
    driver.make_available(1);
    ASSERT_FALSE(driver.notify(restored).is_error());
    EXPECT_EQ(driver.used_idx(), 2);
    EXPECT_EQ(driver.used(1).first, 1u);

    // State of another device type is refused.
    BlockDevice block(driver.memory, -1, 0, DiskMode::ReadOnly);
    MmioTransport other { block, driver.memory, [] {} };
    StateReader again(saved.data());
    EXPECT_TRUE(other.restore(again).is_error());
}

} // namespace
