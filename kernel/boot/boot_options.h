// The kernel command line, decoded: kernel options, then the program's argv; the
// program's environment comes from `env=NAME=VALUE` options. Syntax in images/cmdline.h.
//
// Options understood: log=LEVEL, log.SUBSYSTEM=LEVEL (kernel/console/log.h),
// env=NAME=VALUE (repeatable), console=tty|pipe (whether fds 0-2 are a terminal),
// ktest=NAME (run an in-kernel test instead of a program), virtio_mmio.device=... (a
// virtio-mmio device, Linux syntax; repeatable), net.ip=A.B.C.D/PREFIX
// or net.ip=dhcp, net.gateway=A.B.C.D and net.dns=A.B.C.D (the Ethernet interface's
// settings), cwd=PATH
// (the program's working directory, `osprey run --workdir`), nofile=SOFT:HARD (RLIMIT_NOFILE;
// `osprey run` passes its own, as a program started from the shell inherits them),
// console_output=uart|port and exit_report=uart|port (the Osprey monitor's ports,
// include/abi/console_port.h; the monitor adds both), snapshot=main|ready (where the
// monitor wants its snapshot, include/abi/snapshot_port.h), volume=TAG:/PATH (mount the
// virtio-9p device with that tag at PATH, `osprey run --volume`; repeatable),
// user=UID:GID[:USER[:GROUP]] (who the program runs as, `osprey run --user`,
// program_user.h). An unknown option is reported
// with a warning and ignored, as Linux does.
#pragma once

#include <lib/result.h>
#include <images/cmdline.h>
#include <kernel/boot/program_user.h>
#include <kernel/fs/root_fs.h>
#include <net/kernel/stack.h>

#include <span>
#include <string_view>

namespace boot {

constexpr size_t kMaxCmdlineWords = images::kCmdlineMaxWords;
constexpr size_t kMaxEnvironment = images::kCmdlineMaxEnvironment;

struct BootOptions {
    std::span<const std::string_view> argv; // empty: no program given
    std::span<const std::string_view> envp;
    std::string_view ktest;
    /// Values of the virtio_mmio.device=<size>@<base>:<irq> options (drivers/virtio).
    std::span<const std::string_view> virtio_mmio;
    /// volume=TAG:/PATH options: where each 9p device's host directory appears.
    std::string_view volume_words[fs::kMaxVolumes];
    size_t volume_count = 0;
    std::span<const std::string_view> volumes() const { return { volume_words, volume_count }; }
    /// root=ro (`osprey run --read-only`): no named file of the root may change once the
    /// system's /etc files are made.
    bool read_only_root = false;
    /// net.ip=, net.gateway=, net.dns=: the Ethernet interface's IPv4 settings (zero: none).
    net::Ipv4Settings network;
    /// cwd=PATH: where the program starts (empty: the root).
    std::string_view working_directory;
    /// nofile=SOFT:HARD: the program's RLIMIT_NOFILE (0: the kernel's default, 1024:524288).
    uint64_t descriptor_soft_limit = 0;
    uint64_t descriptor_hard_limit = 0;
    /// user=UID:GID[:USER[:GROUP]]: who the program runs as (root when not given).
    ProgramUser user;
    /// A user= option that could not be read: the boot stops rather than run as root.
    std::string_view bad_user;
};

/// Parses `text` (the boot command line, then optionally the image's default command line
/// `image_text` used when the boot line has no "--"). The result points into static
/// storage that lives for the whole boot. Errors: EINVAL / E2BIG from the parser.
lib::Result<BootOptions> parse_boot_options(std::string_view text);
/// Adds the image's default command line (the file /.osprey/cmdline): its options apply
/// before the boot line's, its argv is used because the boot line had none.
lib::Result<BootOptions> apply_image_cmdline(std::string_view image_text);

} // namespace boot
