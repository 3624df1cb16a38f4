// osprey-monitor's command line:
//   osprey-monitor --kernel KERNEL.elf --image IMAGE [--cmdline TEXT] [--memory SIZE]
//                  [--cpus N] [--disk PATH] [--disk-ro PATH] [--rng]
//                  [--volume TAG:HOSTDIR] [--volume-ro TAG:HOSTDIR]
//                  [--net TAP [--mac MAC] | --net-user [--publish [HOSTIP:]HOSTPORT:GUESTPORT[/udp]]...]
//                  [--timeout SECONDS] [--snapshot-at main|ready FILE] [--trace-boot] [--verbose]
//   osprey-monitor --restore FILE [--net TAP | --publish [HOSTIP:]HOSTPORT:GUESTPORT[/udp]... | --no-publish]
//                  [--timeout SECONDS] [--trace-boot] [--verbose]
// TEXT is the Osprey kernel command line (images/include/images/cmdline.h), as the
// `osprey` CLI encodes it. --snapshot-at saves the VM to FILE when the program reaches
// main or says it is ready (include/abi/snapshot_port.h), and the VM goes on; --restore
// starts a VM from such a file, with the image, disks, memory, vCPUs and network it names
// (passt started again with the saved --publish ports, or with those --publish gives
// instead, or none with --no-publish, for VMs restored side by side; a saved tap opened
// again, or the --net TAP given instead).
// --net TAP puts virtio-net on a host tap device (with --mac's address, or a fixed one);
// --net-user on passt, the user-mode network (monitor/passt.h), whose --publish forwards
// host ports as Docker's -p does. The guest's IPv4 settings are passt's unless --cmdline
// names its own (net.ip=). --volume shares the host directory HOSTDIR with the guest over
// virtio-9p (monitor/volume/ninep_server.h), under mount tag TAG; --volume-ro read-only.
// Both repeat; a VM with a volume cannot be snapshotted (its open files cannot be saved).
#pragma once

#include <lib/result.h>

#include <abi/snapshot_port.h>
#include <abi/user_network.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace monitor {

struct Options {
    std::string kernel;
    std::string image;
    std::string cmdline;
    uint64_t memory_bytes = 128ull << 20;
    unsigned cpus = 1;
    struct Disk {
        std::string path;
        bool read_only;
    };
    std::vector<Disk> disks; // virtio-blk devices, in order
    struct Volume {
        std::string tag;      // 1-31 bytes of [A-Za-z0-9_-]
        std::string host_dir; // an existing directory
        bool read_only;
    };
    std::vector<Volume> volumes;                        // virtio-9p devices, in order
    bool rng = false;                                   // a virtio-rng device
    std::string tap;                                    // a virtio-net device on this tap interface
    std::optional<std::array<uint8_t, 6>> mac;          // --mac: the device's address
    bool net_user = false;                              // a virtio-net device on passt's user-mode network
    std::vector<user_network::PublishedPort> published; // --publish, with --net-user
    bool no_publish = false;      // --restore --no-publish: the saved VM's network without its published ports
    unsigned timeout_seconds = 0; // stop the VM after this long (0: never)
    std::optional<snapshot_abi::SnapshotPoint> snapshot_at; // --snapshot-at POINT FILE
    std::string snapshot_file;
    std::string restore_file; // --restore FILE
    bool trace_boot = false;
    bool verbose = false;
    bool help = false;
};

/// Parses argv[1..]. Errors: INVAL with a message naming the bad option.
lib::Result<Options> parse_options(const std::vector<std::string>& args);

/// "64M", "1G", "512K", "1048576" -> bytes. Errors: INVAL.
lib::Result<uint64_t> parse_size(const std::string& text);

inline constexpr const char* kUsage
    = "usage: osprey-monitor --kernel KERNEL.elf --image IMAGE [--cmdline TEXT] [--memory SIZE]\n"
      "                      [--cpus N] [--disk PATH] [--disk-ro PATH] [--rng]\n"
      "                      [--volume TAG:HOSTDIR] [--volume-ro TAG:HOSTDIR]\n"
      "                      [--net TAP [--mac MAC] | --net-user [--publish [HOSTIP:]HOSTPORT:GUESTPORT[/udp]]...]\n"
      "                      [--timeout SECONDS] [--snapshot-at main|ready FILE] [--trace-boot] [--verbose]\n"
      "       osprey-monitor --restore FILE [--net TAP | --publish [HOSTIP:]HOSTPORT:GUESTPORT[/udp]... | "
      "--no-publish]\n"
      "                      [--timeout SECONDS] [--trace-boot] [--verbose]\n";

} // namespace monitor
