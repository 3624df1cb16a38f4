#include "qemu_command.h"

#include "cli_error.h"
#include "hypervisor.h"

#include <abi/exit_port.h>
#include <abi/virtio_wire.h>

#include <charconv>
#include <cstdio>

namespace tools {

static_assert(kExitPanic == abi::kPanicStatus && kExitNoStatus == abi::kNoStatusExit);

namespace {

std::string hex(unsigned value)
{
    char text[16];
    std::snprintf(text, sizeof(text), "0x%x", value);
    return text;
}

std::string machine_option(Machine machine)
{
    switch (machine) {
    case Machine::Q35: return "q35";
    case Machine::Microvm: break;
    }
    // auto-kernel-cmdline=off: microvm would append virtio_mmio.device= words at the END
    // of the command line, which for Osprey is the program's argv after "--" (QEMU 7.2
    // does not even do it for PVH boots); the CLI places the words itself, among the kernel
    // options (virtio_kernel_options). Probing the transport window for the magic value
    // instead would be microvm-specific and touch addresses other VMMs leave unmapped.
    return "microvm,x-option-roms=off,auto-kernel-cmdline=off";
}

// "osprey-exit status N" -> (kind, N); nullopt for a malformed line.
std::optional<GuestExit> decode_line(std::string_view line)
{
    if (!line.empty() && line.back() == '\r')
        line.remove_suffix(1);
    if (!line.starts_with(abi::kStatusLinePrefix))
        return std::nullopt;
    line.remove_prefix(std::string_view(abi::kStatusLinePrefix).size());
    GuestExit exit;
    std::string_view number;
    if (line.starts_with("status ")) {
        exit.kind = GuestExit::Kind::Status;
        number = line.substr(7);
    } else if (line.starts_with("panic ")) {
        exit.kind = GuestExit::Kind::Panic;
        number = line.substr(6);
    } else {
        return std::nullopt;
    }
    auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), exit.status);
    if (error != std::errc() || end != number.data() + number.size() || number.empty() || exit.status < 0
        || exit.status > 255)
        return std::nullopt;
    return exit;
}

// QEMU option values use ',' as a separator; a literal comma is written ",,".
std::string option_value(const std::string& value)
{
    std::string escaped;
    for (char c : value)
        escaped += c == ',' ? std::string(",,") : std::string(1, c);
    return escaped;
}

// QEMU microvm (hw/i386/microvm.c): transport i is 512 bytes at 0xfeb00000 + 512 i on bus
// virtio-mmio-bus.i, wired to GSI 24 + i (ACPI is on by default, so the second IOAPIC
// carries the transports).
constexpr unsigned kVirtioMmioBase = 0xfeb00000, kVirtioMmioStride = 512, kVirtioMmioFirstGsi = 24;
// Transport 0 stays empty: QEMU's I/O APIC model turns an interrupt on pin 0 into one on
// pin 2 on every I/O APIC it emulates (the ISA IRQ0 -> GSI 2 rule of hw/intc/ioapic.c,
// ioapic_set_irq), so transport 0's GSI 24 would arrive as transport 2's GSI 26 and the
// device's interrupts would never reach its driver. Config device i sits on transport i + 1.
constexpr size_t kFirstVirtioSlot = 1;

// QEMU's user-mode network (slirp: the VM at 10.0.2.15 behind a NAT, no root needed) with
// a hostfwd rule per published port.
std::string user_network(const std::string& id, const std::vector<PublishedPort>& ports)
{
    std::string value = "user,id=" + id;
    for (const PublishedPort& port : ports) {
        value += ",hostfwd=" + std::string(port.udp ? "udp:" : "tcp:") + port.host_address + ":"
            + std::to_string(port.host_port) + "-:" + std::to_string(port.guest_port);
    }
    return value;
}

std::vector<std::string> virtio_device_arguments(const QemuConfig& config)
{
    std::vector<std::string> arguments;
    for (size_t index = 0; index < config.virtio.size(); ++index) {
        const VirtioDevice& device = config.virtio[index];
        size_t slot = kFirstVirtioSlot + index;
        std::string bus = ",bus=virtio-mmio-bus." + std::to_string(slot);
        if (device.kind == VirtioDevice::Kind::Entropy) {
            arguments.insert(arguments.end(), { "-device", "virtio-rng-device" + bus });
            continue;
        }
        if (device.kind == VirtioDevice::Kind::Net) {
            std::string id = "net" + std::to_string(slot);
            const GuestNetwork& network = device.network;
            std::string backend = network.backend == GuestNetwork::Backend::Tap
                ? "tap,id=" + id + ",ifname=" + option_value(network.tap) + ",script=no,downscript=no"
                : user_network(id, device.ports);
            std::string mac = network.mac.empty() ? "" : ",mac=" + network.mac;
            arguments.insert(
                arguments.end(), { "-netdev", backend, "-device", "virtio-net-device,netdev=" + id + mac + bus });
            continue;
        }
        if (device.kind == VirtioDevice::Kind::Volume) {
            // QEMU's own 9p server; security_model=none: files are made as the user running
            // QEMU, and ownership changes that the host refuses are not reported as errors.
            std::string id = "fs" + std::to_string(slot);
            arguments.insert(arguments.end(),
                { "-fsdev",
                    "local,id=" + id + ",path=" + option_value(device.volume.host.string()) + ",security_model=none"
                        + (device.volume.read_only ? ",readonly=on" : ""),
                    "-device", "virtio-9p-device,fsdev=" + id + ",mount_tag=" + device.tag + bus });
            continue;
        }
        std::string id = "disk" + std::to_string(slot);
        arguments.insert(arguments.end(),
            { "-drive",
                "file=" + option_value(device.file.string()) + ",if=none,format=raw,id=" + id
                    + (device.read_only ? ",readonly=on" : ""),
                "-device", "virtio-blk-device,drive=" + id + bus });
    }
    return arguments;
}

} // namespace

std::vector<std::string> qemu_arguments(const QemuConfig& config)
{
    std::string status_uart = hex(abi::kStatusUartPort);
    std::vector<std::string> arguments {
        config.qemu.string(),
        "-M",
        machine_option(config.machine),
        "-cpu",
        "max",
        "-m",
        std::to_string(config.memory_bytes / (1024 * 1024)) + "M",
        "-smp",
        std::to_string(config.cpus),
        "-nodefaults",
        "-no-user-config",
        "-display",
        "none",
        "-no-reboot",
        "-kernel",
        config.kernel.string(),
        "-initrd",
        config.image.string(),
        "-append",
        config.cmdline,
        "-chardev",
        "stdio,id=con,signal=on",
        "-device",
        "isa-serial,chardev=con,iobase=0x3f8,irq=4",
        "-chardev",
        "file,id=status,path=" + option_value(config.status_file.string()),
        "-device",
        "isa-serial,chardev=status,iobase=" + status_uart + ",irq=3",
        "-device",
        "isa-debug-exit,iobase=" + hex(abi::kDebugExitPort) + ",iosize=4",
        "-accel",
        config.hypervisor == Hypervisor::QemuKvm ? "kvm" : "tcg",
    };
    if (config.halt_watch_fd >= 0) // a QMP monitor on the socket the CLI holds the other end of
        arguments.insert(arguments.end(),
            { "-chardev", "socket,id=halt-watch,server=off,fd=" + std::to_string(config.halt_watch_fd), "-mon",
                "chardev=halt-watch,mode=control" });
    if (!config.virtio.empty()) {
        arguments.insert(arguments.end(), { "-global", "virtio-mmio.force-legacy=false" });
        std::vector<std::string> devices = virtio_device_arguments(config);
        arguments.insert(arguments.end(), devices.begin(), devices.end());
    }
    return arguments;
}

std::vector<std::string> virtio_kernel_options(const QemuConfig& config)
{
    if (!config.virtio.empty() && config.machine != Machine::Microvm)
        throw CliError(kExitBadInput,
            "virtio devices (--rng, --disk, --net, -p) need --machine microvm; virtio-pci is not supported yet");
    std::vector<std::string> options;
    for (size_t index = 0; index < config.virtio.size(); ++index) {
        size_t slot = kFirstVirtioSlot + index;
        options.push_back(std::string(virtio_wire::kMmioDeviceOptionKey) + "=512@"
            + hex(unsigned(kVirtioMmioBase + slot * kVirtioMmioStride)) + ":"
            + std::to_string(kVirtioMmioFirstGsi + slot));
        for (std::string& option : guest_kernel_options(config.virtio[index]))
            options.push_back(std::move(option));
    }
    return options;
}

std::vector<std::string> guest_kernel_options(const VirtioDevice& device)
{
    if (device.kind == VirtioDevice::Kind::Net)
        return network_kernel_options(device.network);
    if (device.kind == VirtioDevice::Kind::Volume)
        return { "volume=" + device.tag + ":" + device.volume.guest };
    return {};
}

std::vector<std::string> monitor_arguments(const QemuConfig& config, const std::filesystem::path& monitor)
{
    std::vector<std::string> arguments {
        monitor.string(),
        "--kernel",
        config.kernel.string(),
        "--image",
        config.image.string(),
        "--cmdline",
        config.cmdline,
        "--memory",
        std::to_string(config.memory_bytes / (1024 * 1024)) + "M",
        "--cpus",
        std::to_string(config.cpus),
    };
    for (const VirtioDevice& device : config.virtio) {
        if (device.kind == VirtioDevice::Kind::Entropy) {
            arguments.push_back("--rng");
            continue;
        }
        if (device.kind == VirtioDevice::Kind::Net && device.network.backend == GuestNetwork::Backend::Tap) {
            arguments.insert(arguments.end(), { "--net", device.network.tap });
            if (!device.network.mac.empty())
                arguments.insert(arguments.end(), { "--mac", device.network.mac });
            continue;
        }
        if (device.kind == VirtioDevice::Kind::Net) { // passt, with the same addresses as QEMU's
            if (!passt_installed())
                throw CliError(kExitBadInput,
                    "--net and -p under osprey-monitor need passt, its user-mode network "
                    "(Debian: apt-get install passt), or QEMU (--hypervisor qemu-kvm)");
            arguments.push_back("--net-user");
            for (const PublishedPort& port : device.ports)
                arguments.insert(arguments.end(), { "--publish", published_port_text(port) });
            continue;
        }
        if (device.kind == VirtioDevice::Kind::Volume) {
            arguments.insert(arguments.end(),
                { device.volume.read_only ? "--volume-ro" : "--volume",
                    device.tag + ":" + device.volume.host.string() });
            continue;
        }
        arguments.push_back(device.read_only ? "--disk-ro" : "--disk");
        arguments.push_back(device.file.string());
    }
    return arguments;
}

std::string shell_command(const std::vector<std::string>& arguments)
{
    std::string line;
    for (const std::string& argument : arguments) {
        if (!line.empty())
            line += ' ';
        bool plain = !argument.empty()
            && argument.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+=/.,:@%")
                == std::string::npos;
        if (plain) {
            line += argument;
            continue;
        }
        line += '\'';
        for (char c : argument)
            line += c == '\'' ? std::string("'\\''") : std::string(1, c);
        line += '\'';
    }
    return line;
}

GuestExit decode_guest_exit(std::string_view output)
{
    GuestExit last;
    while (!output.empty()) {
        size_t end = output.find('\n');
        std::string_view line = output.substr(0, end);
        output.remove_prefix(end == std::string_view::npos ? output.size() : end + 1);
        if (auto exit = decode_line(line))
            last = *exit;
    }
    return last;
}

} // namespace tools
