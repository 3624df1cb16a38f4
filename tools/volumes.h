// `osprey run --volume HOSTDIR:GUESTDIR[:ro|:rw]`: a host directory shared with the VM,
// read-write unless `:ro`, as Docker's -v writes it. It travels over virtio-9p (9P2000.L):
// QEMU serves it with its own 9p server (`-fsdev local`), osprey-monitor with its own
// device model confined to HOSTDIR (monitor/volume/); the kernel mounts each device by its
// tag at GUESTDIR (boot option volume=TAG:GUESTDIR, kernel/fs/root_fs.h).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace tools {

struct Volume {
    std::filesystem::path host; // absolute
    std::string guest;          // absolute, not "/"
    bool read_only = false;
};

/// Parses one --volume value and checks that HOSTDIR is a directory. Throws
/// CliError(kExitBadInput) saying what is wrong and showing the syntax.
Volume parse_volume(std::string_view text);

/// Refuses volumes that overlap (CliError(kExitBadInput)): two GUESTDIRs where one is or
/// holds the other (the second mount would land on the first volume, and its mount point
/// would be made on the first's host directory), or two HOSTDIRs where one is or holds the
/// other (a directory moved through one volume would leave the other's share).
void check_volumes(const std::vector<Volume>& volumes);

/// The mount tag of the `index`th volume ("vol0", "vol1"...): what QEMU's mount_tag=, the
/// monitor's --volume TAG:DIR and the kernel's volume=TAG:PATH agree on.
std::string volume_tag(size_t index);

} // namespace tools
