// The monitor's serial, exit and trace devices, bus dispatch and KVM exit decoding, driven
// with synthetic kvm_run structures (no /dev/kvm needed).
#include <monitor/boot_trace.h>
#include <monitor/console_feeder.h>
#include <monitor/console_port.h>
#include <monitor/kvm_stats.h>
#include <monitor/exit_port.h>
#include <monitor/serial.h>
#include <monitor/vcpu_exit.h>

#include <gtest/gtest.h>

#include <cstring>

#include <sstream>
#include <vector>

namespace {

using namespace monitor;

struct SerialFixture {
    std::string out;
    std::vector<bool> irqs;
    Serial16550 uart { [this](uint8_t b) { out.push_back(char(b)); }, [this](bool l) { irqs.push_back(l); } };
    uint8_t in(uint64_t reg)
    {
        uint8_t v;
        uart.bus_read(reg, std::span(&v, 1));
        return v;
    }
    void out_byte(uint64_t reg, uint8_t v) { ASSERT_FALSE(uart.bus_write(reg, std::span(&v, 1)).is_error()); }
};

TEST(MonitorSerial, TransmitsAndIsAlwaysReady)
{
    SerialFixture s;
    EXPECT_EQ(s.in(5) & 0x60, 0x60); // THRE and TEMT
    EXPECT_EQ(s.in(5) & 0x01, 0);    // nothing received
    s.out_byte(0, 'h');
    s.out_byte(0, 'i');
    EXPECT_EQ(s.out, "hi");
    EXPECT_TRUE(s.irqs.empty()); // interrupts disabled
}

TEST(MonitorSerial, DivisorLatchDoesNotTransmit)
{
    SerialFixture s;
    s.out_byte(3, 0x80);
    s.out_byte(0, 1);
    s.out_byte(1, 0);
    EXPECT_EQ(s.in(0), 1);
    s.out_byte(3, 0x03);
    EXPECT_EQ(s.out, "");
    EXPECT_EQ(s.in(3), 0x03);
    EXPECT_EQ(s.in(1), 0); // IER, not the latch
}

TEST(MonitorSerial, ThrEmptyInterruptFollowsIerAndIir)
{
    SerialFixture s;
    EXPECT_EQ(s.in(2) & 0x0f, 0x01); // no interrupt pending
    s.out_byte(1, 0x02);             // enable THR empty: raised at once
    ASSERT_EQ(s.irqs, std::vector<bool>({ true }));
    EXPECT_EQ(s.in(2) & 0x0f, 0x02); // identified, and cleared by the read
    EXPECT_EQ(s.irqs.back(), false);
    EXPECT_EQ(s.in(2) & 0x0f, 0x01);
    s.out_byte(0, 'x'); // transmitted at once: empty again
    EXPECT_EQ(s.irqs.back(), true);
    s.out_byte(1, 0);
    EXPECT_EQ(s.irqs.back(), false);
}

TEST(MonitorSerial, ReceivesIntoItsFifoWithAnInterrupt)
{
    SerialFixture s;
    const uint8_t bytes[20] = { 'a', 'b', 'c' };
    EXPECT_EQ(s.uart.receive(std::span(bytes, 3)), 1u) << "one byte until the FIFOs are on";
    EXPECT_EQ(s.in(0), 'a');
    s.out_byte(2, 0x01); // FCR: FIFOs on
    s.out_byte(1, 0x01); // received data available
    EXPECT_TRUE(s.irqs.empty());
    EXPECT_EQ(s.uart.receive(std::span(bytes, 3)), 3u);
    ASSERT_FALSE(s.irqs.empty());
    EXPECT_TRUE(s.irqs.back());
    EXPECT_EQ(s.in(2) & 0x0f, 0x04); // received data, ahead of anything else
    EXPECT_EQ(s.in(5) & 0x01, 0x01); // data ready
    EXPECT_EQ(s.in(0), 'a');
    EXPECT_EQ(s.in(0), 'b');
    EXPECT_EQ(s.in(0), 'c');
    EXPECT_EQ(s.in(5) & 0x01, 0);
    EXPECT_FALSE(s.irqs.back()) << "the line drops once the FIFO is empty";
    EXPECT_EQ(s.uart.receive(std::span(bytes, 20)), Serial16550::kFifoSize) << "no more than the FIFO holds";
    s.out_byte(2, 0x07); // FCR: enable and reset the FIFOs
    EXPECT_EQ(s.in(5) & 0x01, 0);
}

TEST(MonitorSerial, ConsoleInputIsEscapedForTheKernel)
{
    const uint8_t bytes[] = { 'x', 0xff, 'y' };
    EXPECT_EQ(monitor::escape_console_input(bytes, false), (std::vector<uint8_t> { 'x', 0xff, 0xff, 'y' }));
    EXPECT_EQ(monitor::escape_console_input({}, true), (std::vector<uint8_t> { 0xff, 0x00 }));
}

TEST(MonitorSerial, LoopbackReflectsModemControl)
{
    SerialFixture s;
    s.out_byte(4, 0x10 | 0x03); // loop, RTS, DTR
    EXPECT_EQ(s.in(6) & 0xf0, 0x30);
    s.out_byte(0, 'z');
    EXPECT_EQ(s.out, ""); // looped back, not sent
    s.out_byte(7, 0x5a);
    EXPECT_EQ(s.in(7), 0x5a);
}

struct Machine {
    RunState run;
    StatusText status;
    std::string console;
    Serial16550 uart { [this](uint8_t b) { console.push_back(char(b)); } };
    Serial16550 status_uart { [this](uint8_t b) { status.append(b); } };
    DebugExitPort exit_port { run, status };
    IoBuses buses;
    Machine()
    {
        EXPECT_FALSE(buses.pio.add(0x3f8, 8, uart).is_error());
        EXPECT_FALSE(buses.pio.add(0x2f8, 8, status_uart).is_error());
        EXPECT_FALSE(buses.pio.add(0xf4, 4, exit_port).is_error());
    }
};

// A kvm_run area as KVM maps it: the structure, then I/O data at data_offset.
struct FakeRun {
    alignas(kvm_run) uint8_t bytes[8192] = {};
    kvm_run& run() { return *reinterpret_cast<kvm_run*>(bytes); }
    void port_out(uint16_t port, std::string_view data, uint8_t size = 1)
    {
        run().exit_reason = KVM_EXIT_IO;
        run().io = { KVM_EXIT_IO_OUT, size, port, uint32_t(data.size() / size), 4096 };
        memcpy(bytes + 4096, data.data(), data.size());
    }
};

TEST(MonitorExit, StringPortOutputReachesTheConsole)
{
    Machine m;
    FakeRun r;
    r.port_out(0x3f8, "hello\n");
    handle_exit(r.run(), sizeof(r.bytes), m.buses, m.run);
    EXPECT_EQ(m.console, "hello\n");
    EXPECT_FALSE(m.run.stopping());
}

TEST(MonitorExit, GuestStatusIsTheDebugExitValueExactly)
{
    Machine m;
    FakeRun r;
    r.port_out(0x2f8, "osprey-exit status 200\n");
    handle_exit(r.run(), sizeof(r.bytes), m.buses, m.run);
    r.port_out(0xf4, std::string("\xc8\0\0\0", 4), 4);
    handle_exit(r.run(), sizeof(r.bytes), m.buses, m.run);
    ASSERT_TRUE(m.run.stopping());
    EXPECT_EQ(m.run.status(), 200);
    EXPECT_EQ(m.run.message(), "");
}

TEST(MonitorExit, PanicIsReported)
{
    Machine m;
    FakeRun r;
    r.port_out(0x2f8, "osprey-exit panic 112\n");
    handle_exit(r.run(), sizeof(r.bytes), m.buses, m.run);
    r.port_out(0xf4, "\x70");
    handle_exit(r.run(), sizeof(r.bytes), m.buses, m.run);
    EXPECT_EQ(m.run.status(), kExitPanic);
    EXPECT_NE(m.run.message().find("panicked"), std::string::npos);
}

TEST(MonitorExit, PanicFlagAloneIsAPanic)
{
    // exit_report=port: no status line, the panic flag (0x100) in the value.
    Machine m;
    FakeRun r;
    r.port_out(0xf4, std::string("\x70\x01\0\0", 4), 4);
    handle_exit(r.run(), sizeof(r.bytes), m.buses, m.run);
    EXPECT_EQ(m.run.status(), kExitPanic);
    EXPECT_NE(m.run.message().find("panicked"), std::string::npos);
}

// The console port's ABI as include/abi/console_port.h defines it, written out here:
// gtest's cxxabi.h declares a namespace alias `abi` that the ABI headers' namespace clashes with.
struct ConsoleWrite {
    uint64_t data;
    uint32_t length;
    uint32_t reserved;
};
constexpr uint16_t kConsolePort = 0xe4;
constexpr uint32_t kConsoleWriteMax = 64 * 1024;

// The console port on a bus, over 2 MiB of guest RAM.
struct PortMachine {
    GuestMemory memory = GuestMemory::create(2 << 20).release_value();
    RunState run;
    std::string console;
    ConsolePort port { memory, [this](std::span<const uint8_t> b) { console.append(b.begin(), b.end()); } };
    IoBuses buses;
    PortMachine() { EXPECT_FALSE(buses.pio.add(kConsolePort, ConsolePort::kSize, port).is_error()); }
    void put_record(uint64_t gpa, ConsoleWrite record)
    {
        memcpy(memory.span(gpa, sizeof record).value().data(), &record, sizeof record);
    }
    void write_port(uint32_t gpa)
    {
        FakeRun r;
        r.port_out(kConsolePort, std::string(reinterpret_cast<const char*>(&gpa), 4), 4);
        handle_exit(r.run(), sizeof(r.bytes), buses, run);
    }
};

TEST(MonitorConsolePort, WritesTheRecordsBytesInOnePiece)
{
    PortMachine m;
    memcpy(m.memory.span(0x2000, 6).value().data(), "hello\n", 6);
    m.put_record(0x1000, { 0x2000, 6, 0 });
    m.write_port(0x1000);
    EXPECT_EQ(m.console, "hello\n");
    EXPECT_FALSE(m.run.stopping());
    m.put_record(0x1000, { 0x2000, 0, 0 }); // empty: nothing, and no fault
    m.write_port(0x1000);
    EXPECT_EQ(m.console, "hello\n");
    EXPECT_FALSE(m.run.stopping());
}

TEST(MonitorConsolePort, HostileRecordsStopTheVmAndWriteNothing)
{
    struct Case {
        uint32_t record_at;
        ConsoleWrite record;
        const char* message;
    };
    const Case cases[] = {
        { 0x1ffffff8, { 0x2000, 1, 0 }, "console record outside guest memory" },
        { 0x1ffff8, {}, "console record outside guest memory" }, // straddles the end of RAM
        { 0x1000, { 0x1ffff0, 32, 0 }, "console bytes outside guest memory" },
        { 0x1000, { ~0ull - 4, 8, 0 }, "console bytes outside guest memory" }, // wraps
        { 0x1000, { 0x2000, kConsoleWriteMax + 1, 0 }, "length over 64 KiB" },
        { 0x1000, { 0x2000, 1, 7 }, "nonzero reserved" },
    };
    for (const Case& c : cases) {
        PortMachine m;
        if (c.record_at < (2 << 20) - sizeof(ConsoleWrite))
            m.put_record(c.record_at, c.record);
        m.write_port(c.record_at);
        EXPECT_TRUE(m.run.stopping()) << c.message;
        EXPECT_EQ(m.run.status(), kExitGuestFault) << c.message;
        EXPECT_NE(m.run.message().find(c.message), std::string::npos) << m.run.message();
        EXPECT_EQ(m.console, "") << c.message;
    }
}

TEST(MonitorExit, PortReadsFillTheRunArea)
{
    Machine m;
    FakeRun r;
    r.run().exit_reason = KVM_EXIT_IO;
    r.run().io = { KVM_EXIT_IO_IN, 1, 0x3fd, 1, 4096 };
    handle_exit(r.run(), sizeof(r.bytes), m.buses, m.run);
    EXPECT_EQ(r.bytes[4096] & 0x60, 0x60);
    r.run().io = { KVM_EXIT_IO_IN, 2, 0x1234, 1, 4096 }; // nobody there
    handle_exit(r.run(), sizeof(r.bytes), m.buses, m.run);
    EXPECT_EQ(r.bytes[4096], 0xff);
    EXPECT_EQ(r.bytes[4097], 0xff);
}

TEST(MonitorExit, IoDataOutsideTheRunAreaStopsTheVm)
{
    Machine m;
    FakeRun r;
    r.run().exit_reason = KVM_EXIT_IO;
    r.run().io = { KVM_EXIT_IO_OUT, 4, 0x3f8, 0x40000000, 4096 };
    handle_exit(r.run(), sizeof(r.bytes), m.buses, m.run);
    EXPECT_EQ(m.run.status(), kExitGuestFault);
    EXPECT_EQ(m.console, "");
}

TEST(MonitorExit, StopReasons)
{
    for (auto [reason, status] : { std::pair { KVM_EXIT_SHUTDOWN, kExitGuestFault }, { KVM_EXIT_HLT, kExitNoStatus },
             { KVM_EXIT_INTERNAL_ERROR, kExitGuestFault }, { KVM_EXIT_FAIL_ENTRY, kExitGuestFault },
             { 999, kExitGuestFault } }) {
        Machine m;
        FakeRun r;
        r.run().exit_reason = reason;
        handle_exit(r.run(), sizeof(r.bytes), m.buses, m.run);
        EXPECT_TRUE(m.run.stopping()) << reason;
        EXPECT_EQ(m.run.status(), status) << reason;
        EXPECT_FALSE(m.run.message().empty()) << reason;
    }
    Machine m;
    FakeRun r;
    r.run().exit_reason = KVM_EXIT_INTR;
    handle_exit(r.run(), sizeof(r.bytes), m.buses, m.run);
    EXPECT_FALSE(m.run.stopping());
}

TEST(MonitorExit, MmioGoesToTheMmioBus)
{
    Machine m;
    ASSERT_FALSE(m.buses.mmio.add(0xd0000000, 8, m.uart).is_error());
    EXPECT_TRUE(m.buses.mmio.add(0xd0000004, 8, m.uart).is_error()); // overlap
    FakeRun r;
    r.run().exit_reason = KVM_EXIT_MMIO;
    r.run().mmio.phys_addr = 0xd0000000;
    r.run().mmio.len = 1;
    r.run().mmio.is_write = 1;
    r.run().mmio.data[0] = 'M';
    handle_exit(r.run(), sizeof(r.bytes), m.buses, m.run);
    EXPECT_EQ(m.console, "M");
    r.run().mmio.len = 100;
    handle_exit(r.run(), sizeof(r.bytes), m.buses, m.run);
    EXPECT_EQ(m.run.status(), kExitGuestFault);
}

TEST(MonitorBootTrace, MilestonesAreRecordedAndPrinted)
{
    BootTrace trace;
    BootTracePort port(trace);
    uint8_t milestone = 5, unknown = 77;
    ASSERT_FALSE(port.bus_write(0, std::span(&milestone, 1)).is_error());
    ASSERT_FALSE(port.bus_write(0, std::span(&unknown, 1)).is_error());
    trace.record_once("exit");
    trace.record_once("exit");
    EXPECT_EQ(trace.size(), 4u);
    std::ostringstream out;
    trace.print(out);
    EXPECT_NE(out.str().find("guest: program main"), std::string::npos);
    EXPECT_NE(out.str().find("guest: milestone 77"), std::string::npos);
    EXPECT_NE(out.str().find("monitor start"), std::string::npos);
}

TEST(MonitorBootTrace, AFloodingGuestIsCountedNotKept)
{
    BootTrace trace;
    BootTracePort port(trace);
    uint8_t milestone = 2;
    for (int i = 0; i < 100000; ++i)
        ASSERT_FALSE(port.bus_write(0, std::span(&milestone, 1)).is_error());
    trace.record("exit"); // the monitor's own events are still kept
    EXPECT_EQ(trace.size(), 1 + BootTrace::kMaxGuestEvents + 1);
    std::ostringstream out;
    trace.print(out);
    EXPECT_NE(out.str().find("(99936 more guest milestones not recorded: at most 64 are kept)"), std::string::npos)
        << out.str();
    EXPECT_NE(out.str().find("exit"), std::string::npos);
}

} // namespace

namespace {

// A KVM stats file as api.rst lays it out: header, id, descriptors (16 bytes + name each),
// data; `sizes` gives each statistic's count of u64 values.
std::vector<uint8_t> stats_file(const std::vector<std::pair<std::string, uint16_t>>& stats, uint32_t name_size = 48)
{
    uint32_t descriptors = 24 + 8, descriptor_bytes = 16 + name_size;
    uint32_t data = descriptors + descriptor_bytes * uint32_t(stats.size());
    std::vector<uint8_t> file(data);
    uint32_t header[6] = { 0, name_size, uint32_t(stats.size()), 24, descriptors, data };
    memcpy(file.data(), header, sizeof header);
    uint32_t value_offset = 0;
    for (size_t i = 0; i < stats.size(); ++i) {
        uint8_t* at = file.data() + descriptors + descriptor_bytes * i;
        memcpy(at + 6, &stats[i].second, 2);
        memcpy(at + 8, &value_offset, 4);
        memcpy(at + 16, stats[i].first.data(), stats[i].first.size());
        for (uint16_t k = 0; k < stats[i].second; ++k) {
            uint64_t value = 100 * (i + 1) + k;
            file.insert(file.end(), reinterpret_cast<uint8_t*>(&value), reinterpret_cast<uint8_t*>(&value) + 8);
        }
        value_offset += 8u * stats[i].second;
    }
    return file;
}

} // namespace

TEST(MonitorKvmStats, DecodesSingleValuesAndSkipsHistograms)
{
    auto file = stats_file({ { "exits", 1 }, { "halt_wait_hist", 4 }, { "pf_taken", 1 } });
    auto stats = parse_kvm_stats(file);
    ASSERT_FALSE(stats.is_error()) << stats.error().message;
    ASSERT_EQ(stats->size(), 2u);
    EXPECT_EQ((*stats)[0].name, "exits");
    EXPECT_EQ((*stats)[0].value, 100u);
    EXPECT_EQ((*stats)[1].name, "pf_taken");
    EXPECT_EQ((*stats)[1].value, 300u);
}

TEST(MonitorKvmStats, RefusesOffsetsOutsideTheFile)
{
    auto file = stats_file({ { "exits", 1 } });
    EXPECT_TRUE(parse_kvm_stats(std::span(file.data(), 10)).is_error());              // no whole header
    EXPECT_TRUE(parse_kvm_stats(std::span(file.data(), file.size() - 1)).is_error()); // value cut
    auto many = file;
    uint32_t huge = 0x10000000;
    memcpy(many.data() + 8, &huge, 4); // num_desc far beyond the file
    EXPECT_TRUE(parse_kvm_stats(many).is_error());
    auto far = file;
    uint32_t offset = 0xfffffff0;
    memcpy(far.data() + 32 + 8, &offset, 4); // the value's offset
    EXPECT_TRUE(parse_kvm_stats(far).is_error());
}
