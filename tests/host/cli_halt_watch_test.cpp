// `osprey run`'s QEMU halt watch (tools/qemu_halt_watch.h): reading QMP's `info registers
// -a`, and the QMP conversation itself against a fake QEMU on the other end of the socket.
#include "qemu_halt_watch.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace {

using namespace tools;

// What QEMU 7.2 prints per CPU (abridged to the lines that matter).
constexpr const char* kHaltedLongMode = "CPU#0\n"
                                        "RAX=0000000000000000 RBX=0000000000000000\n"
                                        "RIP=0000555555555160 RFL=00000046 [---Z-P-] CPL=0 II=0 A20=1 SMM=0 HLT=1\n"
                                        "ES =0000 0000000000000000 00000000 00000000\n";
constexpr const char* kWaitingAp = "CPU#1\nEIP=0000fff0 EFL=00000002 [-------] CPL=0 II=0 A20=1 SMM=0 HLT=1\n";
constexpr const char* kIdleWithInterrupts = "CPU#1\nRIP=ffffffff80101234 RFL=00000246 [---Z-P-] CPL=0 II=0 A20=1 "
                                            "SMM=0 HLT=1\n";
constexpr const char* kRunning = "CPU#1\nRIP=ffffffff80101234 RFL=00000046 [---Z-P-] CPL=0 II=0 A20=1 SMM=0 HLT=0\n";

TEST(CliHaltWatch, EveryCpuMustBeHaltedWithInterruptsOff)
{
    EXPECT_TRUE(every_cpu_halted_with_interrupts_off(kHaltedLongMode));
    EXPECT_TRUE(every_cpu_halted_with_interrupts_off(std::string(kHaltedLongMode) + kWaitingAp));
    EXPECT_FALSE(every_cpu_halted_with_interrupts_off(std::string(kHaltedLongMode) + kIdleWithInterrupts));
    EXPECT_FALSE(every_cpu_halted_with_interrupts_off(std::string(kHaltedLongMode) + kRunning));
    EXPECT_FALSE(every_cpu_halted_with_interrupts_off(""));
    EXPECT_FALSE(every_cpu_halted_with_interrupts_off("no CPUs here\n"));
    EXPECT_FALSE(every_cpu_halted_with_interrupts_off("HLT=1 without flags\n"));
}

TEST(CliHaltWatch, QmpReturnTextIsUnescaped)
{
    EXPECT_EQ(qmp_returned_text(R"({"return": "a\r\nb \"q\" \\ \u001b!", "id": 3})"), "a\r\nb \"q\" \\ ?!");
    EXPECT_EQ(qmp_returned_text(R"({"return": ""})"), "");
    EXPECT_EQ(qmp_returned_text(R"({"return": {}})"), std::nullopt);
    EXPECT_EQ(qmp_returned_text(R"({"error": {"class": "GenericError"}})"), std::nullopt);
    EXPECT_EQ(qmp_returned_text(R"({"return": "never ends)"), std::nullopt);
    EXPECT_EQ(qmp_returned_text(R"({"return": "ends in a backslash\)"), std::nullopt);
}

// Plays QEMU's part on `fd` (its own copy of QEMU's end, as QEMU inherits one: the watch
// closes the CLI's at its first look; closed here at the end): the greeting, capabilities
// (after `capabilities_delay_ms`), then per question an event, a late reply to an earlier
// question, and the answer with `registers` as its text.
void play_qemu(int fd, const std::string& registers, int questions, int capabilities_delay_ms)
{
    auto send_line = [fd](const std::string& line) { (void)!::send(fd, line.data(), line.size(), MSG_NOSIGNAL); };
    auto read_line = [fd] {
        std::string line;
        char c;
        while (::read(fd, &c, 1) == 1 && c != '\n')
            line += c;
        return line;
    };
    auto play = [&] {
        send_line(R"({"QMP": {"version": {}, "capabilities": ["oob"]}})"
                  "\r\n");
        if (read_line().find("qmp_capabilities") == std::string::npos)
            return;
        std::this_thread::sleep_for(std::chrono::milliseconds(capabilities_delay_ms));
        send_line("{\"return\": {}}\r\n");
        for (int id = 1; id <= questions; ++id) {
            std::string question = read_line();
            if (question.find("info registers -a") == std::string::npos)
                return;
            std::string escaped;
            for (char c : registers)
                escaped += c == '\n' ? std::string("\\r\\n") : std::string(1, c);
            send_line(R"({"event": "RESUME", "timestamp": {"seconds": 1, "microseconds": 2}})"
                      "\r\n");
            send_line("{\"return\": \"CPU#0\\r\\nRIP=0 RFL=00000202 HLT=0\\r\\n\", \"id\": 999}\r\n");
            send_line("{\"return\": \"" + escaped + "\", \"id\": " + std::to_string(id) + "}\r\n");
        }
    };
    play();
    ::close(fd);
}

TEST(CliHaltWatch, AsksQmpAndReadsItsAnswer)
{
    QemuHaltWatch halted;
    std::thread qemu(play_qemu, ::dup(halted.qemu_fd()), std::string(kHaltedLongMode) + kWaitingAp, 2, 0);
    EXPECT_TRUE(halted.every_cpu_halted_with_interrupts_off());
    EXPECT_TRUE(halted.every_cpu_halted_with_interrupts_off()); // a second question, id 2
    qemu.join();

    QemuHaltWatch running;
    std::thread other(play_qemu, ::dup(running.qemu_fd()), std::string(kHaltedLongMode) + kRunning, 1, 0);
    EXPECT_FALSE(running.every_cpu_halted_with_interrupts_off());
    other.join();
}

TEST(CliHaltWatch, ALateGreetingIsTakenUpByTheNextLook)
{
    // QEMU answers qmp_capabilities after the first look gave up waiting (1 s): that look
    // says no, the next goes on from where it was and asks its question.
    QemuHaltWatch watch;
    std::thread qemu(play_qemu, ::dup(watch.qemu_fd()), std::string(kHaltedLongMode), 1, 1500);
    EXPECT_FALSE(watch.every_cpu_halted_with_interrupts_off());
    EXPECT_TRUE(watch.every_cpu_halted_with_interrupts_off());
    qemu.join();
}

TEST(CliHaltWatch, SilenceOrAGoneQemuIsNoAnswer)
{
    QemuHaltWatch silent;                    // nobody greets: false within the second it waits
    int qemu_copy = ::dup(silent.qemu_fd()); // QEMU's own end, open and silent: no end of file
    EXPECT_FALSE(silent.every_cpu_halted_with_interrupts_off());
    ::close(qemu_copy);
    QemuHaltWatch gone;
    gone.qemu_started(); // QEMU's end closed: the CLI reads end of file
    EXPECT_FALSE(gone.every_cpu_halted_with_interrupts_off());
}

} // namespace
