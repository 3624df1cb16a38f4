// osprey-monitor's command line:
//   osprey-monitor --kernel KERNEL.elf --image IMAGE [--cmdline TEXT] [--memory SIZE]
//                  [--cpus N] [--disk PATH] [--disk-ro PATH] [--rng] [--net TAP]
//                  [--timeout SECONDS] [--trace-boot] [--verbose]
// TEXT is the Osprey kernel command line (images/include/images/cmdline.h), as the
// `osprey` CLI encodes it.
#pragma once

#include <lib/result.h>

#include <cstdint>
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
    bool rng = false;        // a virtio-rng device
    std::string tap;         // a virtio-net device on this tap interface
    unsigned timeout_seconds = 0; // stop the VM after this long (0: never)
    bool trace_boot = false;
    bool verbose = false;
    bool help = false;
};

/// Parses argv[1..]. Errors: INVAL with a message naming the bad option.
lib::Result<Options> parse_options(const std::vector<std::string>& args);

/// "64M", "1G", "512K", "1048576" -> bytes. Errors: INVAL.
lib::Result<uint64_t> parse_size(const std::string& text);

inline constexpr const char* kUsage =
    "usage: osprey-monitor --kernel KERNEL.elf --image IMAGE [--cmdline TEXT] [--memory SIZE]\n"
    "                      [--cpus N] [--disk PATH] [--disk-ro PATH] [--rng] [--net TAP]\n"
    "                      [--timeout SECONDS] [--trace-boot] [--verbose]\n";

} // namespace monitor
