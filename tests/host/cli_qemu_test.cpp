// The pure parts of `osprey run`: QEMU argument vector, status-line decoding, the exit
// status verdict, option parsing.
#include "cli_error.h"
#include "command_line.h"
#include "hypervisor.h"
#include "memory_size.h"
#include "published_ports.h"
#include "qemu_command.h"
#include "run_command.h"

#include <gtest/gtest.h>
#include <images/cmdline.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

namespace {

using namespace tools;
using namespace std::chrono_literals;

QemuConfig sample_config()
{
    QemuConfig config;
    config.qemu = "/usr/bin/qemu-system-x86_64";
    config.kernel = "/k/osprey-kernel.elf";
    config.image = "/tmp/app.img";
    config.status_file = "/tmp/status,1.txt";
    config.cmdline = "env=A=b -- /app/x \"two words\"";
    config.memory_bytes = 256 * kMiB;
    config.cpus = 2;
    return config;
}

// The value following `option` in `arguments` (every occurrence, in order).
std::vector<std::string> values_of(const std::vector<std::string>& arguments, const std::string& option)
{
    std::vector<std::string> values;
    for (size_t i = 0; i + 1 < arguments.size(); ++i) {
        if (arguments[i] == option)
            values.push_back(arguments[i + 1]);
    }
    return values;
}

TEST(CliQemu, MicrovmArguments)
{
    QemuConfig config = sample_config();
    std::vector<std::string> arguments = qemu_arguments(config);
    EXPECT_EQ(arguments.front(), "/usr/bin/qemu-system-x86_64");
    EXPECT_EQ(
        values_of(arguments, "-M"), std::vector<std::string> { "microvm,x-option-roms=off,auto-kernel-cmdline=off" });
    EXPECT_EQ(values_of(arguments, "-m"), std::vector<std::string> { "256M" });
    EXPECT_EQ(values_of(arguments, "-smp"), std::vector<std::string> { "2" });
    EXPECT_EQ(values_of(arguments, "-kernel"), std::vector<std::string> { "/k/osprey-kernel.elf" });
    EXPECT_EQ(values_of(arguments, "-initrd"), std::vector<std::string> { "/tmp/app.img" });
    EXPECT_EQ(values_of(arguments, "-append"), std::vector<std::string> { config.cmdline });
    EXPECT_EQ(values_of(arguments, "-accel"), std::vector<std::string> { "tcg" });
    std::vector<std::string> chardevs { "stdio,id=con,signal=on", "file,id=status,path=/tmp/status,,1.txt" };
    EXPECT_EQ(values_of(arguments, "-chardev"), chardevs);
    std::vector<std::string> devices { "isa-serial,chardev=con,iobase=0x3f8,irq=4",
        "isa-serial,chardev=status,iobase=0x2f8,irq=3", "isa-debug-exit,iobase=0xf4,iosize=4" };
    EXPECT_EQ(values_of(arguments, "-device"), devices);
    for (const char* flag : { "-nodefaults", "-no-user-config", "-no-reboot" })
        EXPECT_NE(std::find(arguments.begin(), arguments.end(), flag), arguments.end()) << flag;
}

TEST(CliQemu, HaltWatchIsAQmpMonitorOnTheGivenSocket)
{
    QemuConfig config = sample_config();
    EXPECT_TRUE(values_of(qemu_arguments(config), "-mon").empty());
    config.halt_watch_fd = 7;
    std::vector<std::string> arguments = qemu_arguments(config);
    EXPECT_EQ(values_of(arguments, "-chardev").back(), "socket,id=halt-watch,server=off,fd=7");
    EXPECT_EQ(values_of(arguments, "-mon"), std::vector<std::string> { "chardev=halt-watch,mode=control" });
}

TEST(CliQemu, Q35AndKvm)
{
    QemuConfig config = sample_config();
    config.machine = Machine::Q35;
    config.hypervisor = Hypervisor::QemuKvm;
    std::vector<std::string> arguments = qemu_arguments(config);
    EXPECT_EQ(values_of(arguments, "-M"), std::vector<std::string> { "q35" });
    EXPECT_EQ(values_of(arguments, "-accel"), std::vector<std::string> { "kvm" });
    EXPECT_EQ(values_of(arguments, "-device").size(), 3u);
}

TEST(CliQemu, ShellCommandQuotes)
{
    EXPECT_EQ(shell_command({ "qemu", "-append", "-- /app/x 'q' \"d\"", "" }),
        R"(qemu -append '-- /app/x '\''q'\'' "d"' '')");
}

TEST(CliQemu, DecodesStatusLines)
{
    EXPECT_EQ(decode_guest_exit("").kind, GuestExit::Kind::None);
    EXPECT_EQ(decode_guest_exit("garbage\n").kind, GuestExit::Kind::None);
    GuestExit ok = decode_guest_exit("osprey-exit status 0\n");
    EXPECT_EQ(ok.kind, GuestExit::Kind::Status);
    EXPECT_EQ(ok.status, 0);
    GuestExit last = decode_guest_exit("boot noise\nosprey-exit status 3\r\nosprey-exit status 200");
    EXPECT_EQ(last.kind, GuestExit::Kind::Status);
    EXPECT_EQ(last.status, 200);
    GuestExit panic = decode_guest_exit("osprey-exit panic 112\n");
    EXPECT_EQ(panic.kind, GuestExit::Kind::Panic);
    EXPECT_EQ(panic.status, kExitPanic);
    for (const char* bad : { "osprey-exit status 256\n", "osprey-exit status -1\n", "osprey-exit status\n",
             "osprey-exit status 1x\n", "osprey-exit crash 1\n", " osprey-exit status 1\n" })
        EXPECT_EQ(decode_guest_exit(bad).kind, GuestExit::Kind::None) << bad;
    EXPECT_EQ(decode_guest_exit("osprey-exit status 7\nosprey-exit status 999\n").status, 7);
}

TEST(CliQemu, VerdictMapsOutcomesToExitStatuses)
{
    ProcessOutcome exited { ProcessOutcome::End::Exited, 85, 0 };
    GuestExit status { GuestExit::Kind::Status, 42 };
    GuestExit panic { GuestExit::Kind::Panic, kExitPanic };
    GuestExit none;
    EXPECT_EQ(run_verdict(exited, status, 0s, "QEMU").exit_status, 42);
    EXPECT_EQ(run_verdict(exited, status, 0s, "QEMU").message, "");
    RunVerdict panicked = run_verdict(exited, panic, 0s, "QEMU");
    EXPECT_EQ(panicked.exit_status, kExitPanic);
    EXPECT_EQ(panicked.message, "osprey: the kernel panicked (see the console output above)");
    RunVerdict silent = run_verdict({ ProcessOutcome::End::Exited, 3, 0 }, none, 0s, "QEMU");
    EXPECT_EQ(silent.exit_status, kExitNoStatus);
    EXPECT_NE(silent.message.find("without reporting an exit status"), std::string::npos);
    // QEMU's own refusal (exit 1, no guest status) is the user's to fix: 2.
    RunVerdict refused = run_verdict({ ProcessOutcome::End::Exited, 1, 0 }, none, 0s, "QEMU");
    EXPECT_EQ(refused.exit_status, kExitBadInput);
    EXPECT_NE(refused.message.find("QEMU refused to start the VM"), std::string::npos);
    EXPECT_EQ(
        run_verdict({ ProcessOutcome::End::Exited, 1, 0 }, none, 0s, "osprey-monitor").exit_status, kExitNoStatus);
    EXPECT_NE(run_verdict({ ProcessOutcome::End::Signaled, 9, 0 }, none, 0s, "QEMU").message.find("signal 9"),
        std::string::npos);
    RunVerdict halted = run_verdict({ ProcessOutcome::End::Halted, 143, 0 }, none, 0s, "QEMU");
    EXPECT_EQ(halted.exit_status, kExitNoStatus);
    EXPECT_NE(halted.message.find("every vCPU halted with interrupts off"), std::string::npos);
    EXPECT_EQ(run_verdict({ ProcessOutcome::End::Halted, 143, 0 }, status, 0s, "QEMU").exit_status, 42);
    RunVerdict timed_out = run_verdict({ ProcessOutcome::End::TimedOut, 143, 0 }, none, 5s, "QEMU");
    EXPECT_EQ(timed_out.exit_status, kExitTimeout);
    EXPECT_NE(timed_out.message.find("5 seconds"), std::string::npos);
    EXPECT_NE(timed_out.message.find("QEMU was stopped"), std::string::npos);
    EXPECT_EQ(run_verdict({ ProcessOutcome::End::Interrupted, 0, 2 }, status, 0s, "QEMU").exit_status, 130);
    // The monitor has no status UART: a monitor that times out is named in the message.
    RunVerdict monitor = run_verdict({ ProcessOutcome::End::TimedOut, 143, 0 }, none, 5s, "osprey-monitor");
    EXPECT_EQ(monitor.exit_status, kExitTimeout);
    EXPECT_NE(monitor.message.find("osprey-monitor was stopped"), std::string::npos);
}

TEST(CliQemu, MemorySizes)
{
    EXPECT_EQ(parse_memory_size("64M"), 64 * kMiB);
    EXPECT_EQ(parse_memory_size("64m"), 64 * kMiB);
    EXPECT_EQ(parse_memory_size("64MiB"), 64 * kMiB);
    EXPECT_EQ(parse_memory_size("1G"), 1024 * kMiB);
    EXPECT_EQ(parse_memory_size("2gb"), 2048 * kMiB);
    EXPECT_EQ(parse_memory_size("128"), 128 * kMiB);
    EXPECT_EQ(parse_memory_size("65536K"), 64 * kMiB);
    EXPECT_EQ(parse_memory_size("1T"), kMaxMemory);
    EXPECT_EQ(parse_memory_size("4M"), 4 * kMiB) << "the smallest VM";
    for (const char* bad :
        { "", "M", "-5M", "12X", "0", "0M", "3M", "1.5G", "1500K", "2T", "99999999999999999G", "64 M", "64MM" }) {
        EXPECT_THROW(parse_memory_size(bad), CliError) << bad;
    }
    try {
        parse_memory_size("12X");
    } catch (const CliError& error) {
        EXPECT_EQ(error.exit_status(), kExitBadInput);
        EXPECT_NE(std::string(error.what()).find("12X"), std::string::npos);
    }
}

TEST(CliQemu, HypervisorAndMachineNames)
{
    EXPECT_EQ(parse_hypervisor("qemu-kvm"), Hypervisor::QemuKvm);
    EXPECT_EQ(parse_hypervisor("qemu-tcg"), Hypervisor::QemuTcg);
    EXPECT_FALSE(parse_hypervisor("kvm").has_value());
    EXPECT_EQ(parse_machine("q35"), Machine::Q35);
    EXPECT_FALSE(parse_machine("pc").has_value());
    EXPECT_FALSE(kvm_usable("/nonexistent/kvm"));
    EXPECT_FALSE(kvm_usable("/dev/null")); // opens read-write, but is not KVM
    EXPECT_EQ(parse_hypervisor("monitor"), Hypervisor::Monitor);
    EXPECT_EQ(default_hypervisor() == Hypervisor::Monitor, kvm_usable() && !pvm_host());
}

TEST(CliQemu, KnowsAPvmHostByItsModule)
{
    char pattern[] = "/tmp/osprey-modules-XXXXXX";
    std::filesystem::path modules = mkdtemp(pattern);
    std::filesystem::create_directory(modules / "kvm");
    EXPECT_FALSE(pvm_host(modules)); // hardware KVM: kvm and kvm_intel or kvm_amd
    std::filesystem::create_directory(modules / "kvm_pvm");
    EXPECT_TRUE(pvm_host(modules));
    EXPECT_FALSE(pvm_host("/nonexistent/modules"));
    std::filesystem::remove_all(modules);
}

TEST(CliQemu, FindsExecutablesOnAPathList)
{
    EXPECT_EQ(find_executable("sh", "/nonexistent:/bin:/usr/bin").value().filename(), "sh");
    EXPECT_FALSE(find_executable("sh", "/nonexistent::").has_value());
    EXPECT_FALSE(find_executable("passwd", "/etc").has_value()); // not executable
}

} // namespace

TEST(CliQemu, VirtioDevicesOnFixedMmioSlots)
{
    QemuConfig config = sample_config();
    EXPECT_TRUE(virtio_kernel_options(config).empty());
    EXPECT_TRUE(values_of(qemu_arguments(config), "-global").empty());
    config.virtio = { { VirtioDevice::Kind::Entropy, {}, false }, { VirtioDevice::Kind::Block, "/d/a,b.img", true } };
    // Slot 0 stays empty (QEMU delivers its pin-0 interrupt as pin 2): devices from slot 1.
    std::vector<std::string> words { "virtio_mmio.device=512@0xfeb00200:25", "virtio_mmio.device=512@0xfeb00400:26" };
    EXPECT_EQ(virtio_kernel_options(config), words);
    std::vector<std::string> arguments = qemu_arguments(config);
    EXPECT_EQ(values_of(arguments, "-global"), std::vector<std::string> { "virtio-mmio.force-legacy=false" });
    EXPECT_EQ(values_of(arguments, "-drive"),
        std::vector<std::string> { "file=/d/a,,b.img,if=none,format=raw,id=disk2,readonly=on" });
    std::vector<std::string> devices = values_of(arguments, "-device");
    EXPECT_NE(std::find(devices.begin(), devices.end(), "virtio-rng-device,bus=virtio-mmio-bus.1"), devices.end());
    EXPECT_NE(std::find(devices.begin(), devices.end(), "virtio-blk-device,drive=disk2,bus=virtio-mmio-bus.2"),
        devices.end());
    config.machine = Machine::Q35;
    EXPECT_THROW(virtio_kernel_options(config), CliError);
}

TEST(CliQemu, WorkdirAndLogBecomeKernelOptions)
{
    EXPECT_EQ(working_directory_option("/srv/data"), "cwd=/srv/data");
    for (const char* bad : { "", "relative", "./x" })
        EXPECT_THROW(working_directory_option(bad), CliError) << bad;
    EXPECT_EQ(descriptor_limit_option(1024, 4096), "nofile=1024:4096");
    EXPECT_EQ(descriptor_limit_option(RLIM_INFINITY, RLIM_INFINITY), "nofile=1048576:1048576");
    EXPECT_EQ(descriptor_limit_option(8192, 4096), "nofile=4096:4096");
    EXPECT_EQ(log_option("debug"), "log=debug");
    EXPECT_EQ(log_option("syscall=debug"), "log.syscall=debug");
    for (const char* bad : { "", "=debug", "syscall=" })
        EXPECT_THROW(log_option(bad), CliError) << bad;
    // Through the command line the CLI boots with: both encoded among the options.
    CommandLine line { { working_directory_option("/a b") }, { "/app/x" } };
    EXPECT_EQ(decode_command_line(encode_command_line(line)).options, line.options);
}

// --user: names and numbers of this host's user database (root and the number 0 are the
// same account everywhere; IDs near 2^32 have no account on any machine the tests run on).
TEST(CliQemu, UserBecomesKernelOption)
{
    EXPECT_EQ(user_option("root"), "user=0:0:root:root");
    EXPECT_EQ(user_option("0"), "user=0:0:root:root");
    EXPECT_EQ(user_option("0:0"), "user=0:0:root:root");
    EXPECT_EQ(user_option("root:4000000000"), "user=0:4000000000:root");
    EXPECT_EQ(user_option("4000000001"), "user=4000000001:0::root") << "no account: group 0, as Docker does";
    EXPECT_EQ(user_option("4000000001:4000000002"), "user=4000000001:4000000002");
    EXPECT_EQ(user_option("4000000001:root"), "user=4000000001:0::root") << "a group name without a user name";
    for (const char* bad :
        { "", ":", "root:", ":0", "0:0:0", "no_such_user_osprey", "root:no_such_group_osprey", "4294967295", "-1" })
        EXPECT_THROW(user_option(bad), CliError) << bad;
}

// The kernel's command-line limits (images/cmdline.h) are checked on the host: exit 2
// with what to do, before any VM starts. At the limits, the line still encodes.
TEST(CliQemu, CommandLinesBeyondTheKernelsLimitsAreRefused)
{
    auto refusal = [](const CommandLine& line) -> std::string {
        try {
            encode_command_line(line);
            return "";
        } catch (const CliError& error) {
            EXPECT_EQ(error.exit_status(), kExitBadInput);
            return error.what();
        }
    };
    std::string fits(images::kCmdlineMaxBytes - std::string("-- /app/x ").size(), 'a');
    EXPECT_EQ(refusal({ {}, { "/app/x", fits } }), "");
    EXPECT_NE(
        refusal({ {}, { "/app/x", fits + "a" } }).find("bytes; the kernel takes at most 65535"), std::string::npos);
    std::vector<std::string> words(images::kCmdlineMaxWords - 1, "w");
    EXPECT_EQ(refusal({ {}, words }), "");
    words.push_back("w");
    EXPECT_NE(refusal({ {}, words }).find("words; the kernel takes at most 2048"), std::string::npos);
    std::vector<std::string> variables(images::kCmdlineMaxEnvironment + 1, "env=A=1");
    EXPECT_NE(refusal({ variables, { "/app/x" } }).find("environment variables; the kernel takes at most 1024"),
        std::string::npos);
}

TEST(CliQemu, PublishedPorts)
{
    PublishedPort port = parse_published_port("8080:80");
    EXPECT_EQ(port.host_address, "");
    EXPECT_EQ(port.host_port, 8080);
    EXPECT_EQ(port.guest_port, 80);
    EXPECT_FALSE(port.udp);
    port = parse_published_port("127.0.0.1:5353:53/udp");
    EXPECT_EQ(port.host_address, "127.0.0.1");
    EXPECT_EQ(port.host_port, 5353);
    EXPECT_EQ(port.guest_port, 53);
    EXPECT_TRUE(port.udp);
    EXPECT_FALSE(parse_published_port("1:2/tcp").udp);
    for (const char* bad : { "", "80", ":80", "80:", "0:80", "80:65536", "x:80", "8080:80/sctp", "1.2.3:80:80",
             "256.0.0.1:80:80", "80:80:80:80", "-1:80", "80 :80" })
        EXPECT_THROW(parse_published_port(bad), CliError) << bad;
}

TEST(CliQemu, NetworkDeviceWithForwardedPorts)
{
    QemuConfig config = sample_config();
    VirtioDevice net { VirtioDevice::Kind::Net, {}, false };
    net.ports = { parse_published_port("127.0.0.1:8080:80"), parse_published_port("5353:53/udp") };
    config.virtio = { net };
    std::vector<std::string> arguments = qemu_arguments(config);
    EXPECT_EQ(values_of(arguments, "-netdev"),
        std::vector<std::string> { "user,id=net1,hostfwd=tcp:127.0.0.1:8080-:80,hostfwd=udp::5353-:53" });
    std::vector<std::string> devices = values_of(arguments, "-device");
    EXPECT_NE(std::find(devices.begin(), devices.end(), "virtio-net-device,netdev=net1,bus=virtio-mmio-bus.1"),
        devices.end());
    std::vector<std::string> words { "virtio_mmio.device=512@0xfeb00200:25", "net.ip=10.0.2.15/24",
        "net.gateway=10.0.2.2", "net.dns=10.0.2.3" };
    EXPECT_EQ(virtio_kernel_options(config), words);
    // Under the monitor: passt's user-mode network with the same forwards (scripts/setup
    // installs passt; without it the run is refused with what to install).
    if (passt_installed()) {
        std::vector<std::string> monitor = monitor_arguments(config, "/bin/osprey-monitor");
        auto net_user = std::find(monitor.begin(), monitor.end(), "--net-user");
        ASSERT_NE(net_user, monitor.end());
        EXPECT_EQ(std::vector<std::string>(net_user + 1, monitor.end()),
            (std::vector<std::string> { "--publish", "127.0.0.1:8080:80", "--publish", "5353:53/udp" }));
    } else {
        EXPECT_THROW(monitor_arguments(config, "/bin/osprey-monitor"), CliError);
    }
}

TEST(CliQemu, PublishedPortTextReadsBack)
{
    for (const char* text : { "8080:80", "127.0.0.1:5353:53/udp", "1:65535" })
        EXPECT_EQ(published_port_text(parse_published_port(text)), text);
}

TEST(CliQemu, MonitorArguments)
{
    QemuConfig config;
    config.kernel = "/k.elf";
    config.image = "/i.img";
    config.cmdline = "-- /app/hello";
    config.cpus = 2;
    auto args = monitor_arguments(config, "/bin/osprey-monitor");
    std::vector<std::string> expected { "/bin/osprey-monitor", "--kernel", "/k.elf", "--image", "/i.img", "--cmdline",
        "-- /app/hello", "--memory", "128M", "--cpus", "2" };
    EXPECT_EQ(args, expected);
    config.virtio = { { VirtioDevice::Kind::Entropy, {}, false }, { VirtioDevice::Kind::Block, "/d.img", true },
        { VirtioDevice::Kind::Block, "/w.img", false } };
    args = monitor_arguments(config, "/bin/osprey-monitor");
    expected.insert(expected.end(), { "--rng", "--disk-ro", "/d.img", "--disk", "/w.img" });
    EXPECT_EQ(args, expected) << "the monitor gets the devices and places them itself";
}

TEST(CliQemu, GuestNetworkOptions)
{
    GuestNetwork user = parse_guest_network("user", "", "", "", true, "");
    EXPECT_EQ(network_kernel_options(user),
        (std::vector<std::string> { "net.ip=10.0.2.15/24", "net.gateway=10.0.2.2", "net.dns=10.0.2.3" }));
    EXPECT_EQ(network_kernel_options(parse_guest_network("user", "dhcp", "", "1.1.1.1", false, "")),
        (std::vector<std::string> { "net.ip=dhcp", "net.dns=1.1.1.1" }));
    GuestNetwork tap = parse_guest_network("tap:tap7", "", "", "", false, "02:00:00:00:00:07");
    EXPECT_EQ(tap.backend, GuestNetwork::Backend::Tap);
    EXPECT_EQ(tap.tap, "tap7");
    EXPECT_EQ(network_kernel_options(tap), std::vector<std::string> { "net.ip=dhcp" }); // DHCP by default
    GuestNetwork fixed = parse_guest_network("tap:br-vm", "192.168.7.2/24", "192.168.7.1", "192.168.7.53", false, "");
    EXPECT_EQ(network_kernel_options(fixed),
        (std::vector<std::string> { "net.ip=192.168.7.2/24", "net.gateway=192.168.7.1", "net.dns=192.168.7.53" }));
    std::string mac = mac_address_for_tap("tap7");
    ASSERT_EQ(mac.size(), 17u);
    EXPECT_EQ(mac.substr(0, 3), "02:");          // locally administered, unicast
    EXPECT_EQ(mac_address_for_tap("tap7"), mac); // the same client to a DHCP server, run after run
    EXPECT_NE(mac_address_for_tap("tap8"), mac);
    struct Bad {
        const char *net, *ip, *gateway, *dns;
        bool ports;
    };
    for (Bad bad : std::initializer_list<Bad> { { "bridge", "", "", "", false }, // not user or tap:NAME
             { "tap:", "", "", "", false },                                      // no interface name
             { "tap:a-name-far-too-long", "", "", "", false }, { "tap:a/b", "", "", "", false },
             { "user", "10.0.2.20/24", "", "", false }, // the user network's address is fixed
             { "user", "", "10.0.2.1", "", false }, { "tap:t0", "10.0.0.300/24", "", "", false }, // malformed
             { "tap:t0", "10.0.0.2/33", "", "", false }, { "tap:t0", "10.0.0.2/24", "gateway", "", false },
             { "tap:t0", "10.0.0.2/24", "", "8.8.8", false },
             { "tap:t0", "", "10.0.0.1", "", false },     // a gateway without a static address
             { "tap:t0", "10.0.0.2/24", "", "", true } }) // -p is for the user network
        EXPECT_THROW(parse_guest_network(bad.net, bad.ip, bad.gateway, bad.dns, bad.ports, ""), CliError)
            << bad.net << " " << bad.ip << " " << bad.gateway << " " << bad.dns;
}

TEST(CliQemu, TapNetworkDevice)
{
    QemuConfig config = sample_config();
    VirtioDevice net;
    net.kind = VirtioDevice::Kind::Net;
    net.network = parse_guest_network("tap:tap7", "192.168.7.2/24", "192.168.7.1", "", false, "02:11:22:33:44:55");
    config.virtio = { net };
    std::vector<std::string> arguments = qemu_arguments(config);
    EXPECT_EQ(values_of(arguments, "-netdev"),
        std::vector<std::string> { "tap,id=net1,ifname=tap7,script=no,downscript=no" });
    std::vector<std::string> devices = values_of(arguments, "-device");
    EXPECT_NE(std::find(devices.begin(), devices.end(),
                  "virtio-net-device,netdev=net1,mac=02:11:22:33:44:55,bus=virtio-mmio-bus.1"),
        devices.end());
    EXPECT_EQ(virtio_kernel_options(config),
        (std::vector<std::string> {
            "virtio_mmio.device=512@0xfeb00200:25", "net.ip=192.168.7.2/24", "net.gateway=192.168.7.1" }));
    std::vector<std::string> monitor = monitor_arguments(config, "/bin/osprey-monitor");
    auto tap = std::find(monitor.begin(), monitor.end(), "--net");
    ASSERT_NE(tap, monitor.end());
    EXPECT_EQ(std::vector<std::string>(tap, monitor.end()),
        (std::vector<std::string> { "--net", "tap7", "--mac", "02:11:22:33:44:55" }));
}
