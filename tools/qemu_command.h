// The QEMU command line for one Osprey VM, and decoding what the guest reported on the
// status UART (include/abi/exit_port.h). Pure functions, so host tests check them.
#pragma once

#include "guest_network.h"
#include "hypervisor.h"
#include "published_ports.h"
#include "volumes.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace tools {

/// A virtio device on microvm's virtio-mmio transports (drivers/virtio in the kernel).
struct VirtioDevice {
    enum class Kind { Entropy, Block, Net, Volume };
    Kind kind = Kind::Entropy;
    std::filesystem::path file;       // Block: the backing file (raw)
    bool read_only = false;           // Block: QEMU readonly=on, the device offers VIRTIO_BLK_F_RO
    std::vector<PublishedPort> ports; // Net: QEMU user networking with these forwarded
    GuestNetwork network;             // Net: which network, and the guest's IPv4 settings
    Volume volume;                    // Volume: the host directory and where the guest sees it
    std::string tag;                  // Volume: the device's mount tag (volume_tag)
};

struct QemuConfig {
    std::filesystem::path qemu = "qemu-system-x86_64";
    std::filesystem::path kernel;
    std::filesystem::path image;
    std::filesystem::path status_file;
    std::string cmdline;
    uint64_t memory_bytes = 128 * 1024 * 1024;
    unsigned cpus = 1;
    Machine machine = Machine::Microvm;
    Hypervisor hypervisor = Hypervisor::QemuTcg;
    std::vector<VirtioDevice> virtio; // microvm only; device i on virtio-mmio slot i + 1
    int halt_watch_fd = -1;           // an inherited socket to serve QMP on (QemuHaltWatch), or -1
};

/// The argument vector (argv[0] is config.qemu): kernel via PVH (-kernel), the image as
/// the PVH module (-initrd), the console UART on stdio at 0x3f8, the status UART into
/// config.status_file at 0x2f8, isa-debug-exit at 0xf4, config.virtio's devices on fixed
/// virtio-mmio slots (modern, version 2). The one place that knows QEMU's options.
std::vector<std::string> qemu_arguments(const QemuConfig& config);

/// The kernel options naming config.virtio's devices, virtio_mmio.device=512@BASE:GSI
/// for slot i + 1, and each device's guest_kernel_options; they belong before the command
/// line's "--". Throws CliError (bad input) on q35, which has no virtio-mmio (virtio-pci is
/// not supported yet).
std::vector<std::string> virtio_kernel_options(const QemuConfig& config);
/// What the guest needs to hear about `device` whichever VMM runs it: net.ip/net.gateway/
/// net.dns for a network device, volume=TAG:GUESTDIR for a volume.
std::vector<std::string> guest_kernel_options(const VirtioDevice& device);
/// The osprey-monitor argument vector for the same VM (argv[0] is `monitor`): kernel,
/// image, command line, memory and vCPUs. Machine type does not apply.
std::vector<std::string> monitor_arguments(const QemuConfig& config, const std::filesystem::path& monitor);

/// `arguments` as one line a POSIX shell would run (for --verbose).
std::string shell_command(const std::vector<std::string>& arguments);

struct GuestExit {
    enum class Kind { Status, Panic, None };
    Kind kind = Kind::None;
    int status = 0; // 0..255 for Status and Panic
};

/// The last well-formed "osprey-exit status N" / "osprey-exit panic N" line (N in
/// 0..255) of the status UART's output; Kind::None if there is none.
GuestExit decode_guest_exit(std::string_view status_output);

} // namespace tools
