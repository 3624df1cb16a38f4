#include <kernel/boot/boot_options.h>
#include <kernel/boot/snapshot_point.h>
#include <kernel/core/vm_exit.h>
#include <kernel/console/console_output.h>
#include <kernel/console/log.h>
#include <kernel/fs/console_file.h>
#include <kernel/fs/console_input.h>
#include <net/kernel/stack.h>

#include <abi/virtio_wire.h>
#include <images/cmdline.h>
#include <lib/decimal.h>

namespace boot {

namespace {

// Two command lines at most (boot line, image default), each with its own storage.
constexpr size_t kStorageBytes = images::kCmdlineMaxBytes + 1;
char g_storage[2][kStorageBytes];
std::string_view g_words[2][kMaxCmdlineWords];
std::string_view g_environment[kMaxEnvironment];
size_t g_environment_count;
constexpr size_t kMaxVirtioDevices = 32;
std::string_view g_virtio_mmio[kMaxVirtioDevices];
size_t g_virtio_mmio_count;
BootOptions g_options;
net::Ipv4Settings g_network;
images::Cmdline g_boot_line;

// "SOFT:HARD", two decimal numbers with SOFT <= HARD; 3 at least (the standard streams).
bool parse_limit_pair(std::string_view text, uint64_t& soft, uint64_t& hard)
{
    constexpr uint64_t kLargest = 999'999'999'999'999'999; // 18 digits
    size_t colon = text.find(':');
    if (colon == std::string_view::npos)
        return false;
    auto low = lib::parse_decimal(text.substr(0, colon), kLargest);
    auto high = lib::parse_decimal(text.substr(colon + 1), kLargest);
    if (!low || !high || *low > *high || *low < 3)
        return false;
    soft = *low;
    hard = *high;
    return true;
}

void apply_option(std::string_view word)
{
    auto key = images::option_key(word);
    auto value = images::option_value(word);
    if (key == "env") {
        if (value.find('=') == std::string_view::npos || g_environment_count == kMaxEnvironment)
            klog::warn(klog::Subsystem::Boot, "ignoring option {} (want env=NAME=VALUE)", word);
        else
            g_environment[g_environment_count++] = value; // NUL-terminated: ends the word
    } else if (key == virtio_wire::kMmioDeviceOptionKey) {
        if (g_virtio_mmio_count == kMaxVirtioDevices)
            klog::warn(klog::Subsystem::Boot, "ignoring option {} (more than 32 virtio devices)", word);
        else
            g_virtio_mmio[g_virtio_mmio_count++] = value;
    } else if (key == "volume") {
        if (g_options.volume_count == fs::kMaxVolumes || value.find(":/") == std::string_view::npos)
            klog::warn(klog::Subsystem::Boot, "ignoring option {} (want volume=TAG:/GUEST/PATH, at most 8)", word);
        else
            g_options.volume_words[g_options.volume_count++] = value;
    } else if (key == "ktest") {
        g_options.ktest = value;
    } else if (key == "console") {
        if (!fs::set_console_mode(value.data()))
            klog::warn(klog::Subsystem::Boot, "ignoring option {} (want console=tty or console=pipe)", word);
    } else if (key == "root") {
        if (value == "ro" || value == "rw")
            g_options.read_only_root = value == "ro";
        else
            klog::warn(klog::Subsystem::Boot, "ignoring option {} (want root=ro or root=rw)", word);
    } else if (key == "net.ip") {
        if (value == "dhcp")
            g_network.dhcp = true;
        else if (net::parse_ipv4_with_prefix(value, g_network).is_error())
            klog::warn(klog::Subsystem::Boot, "ignoring option {} (want net.ip=A.B.C.D/PREFIX or net.ip=dhcp)", word);
        else
            g_network.dhcp = false;
    } else if (key == "net.gateway") {
        auto gateway = net::parse_ipv4(value);
        if (gateway.is_error())
            klog::warn(klog::Subsystem::Boot, "ignoring option {} (want net.gateway=A.B.C.D)", word);
        else
            g_network.gateway = gateway.value();
    } else if (key == "net.dns") {
        auto server = net::parse_ipv4(value);
        if (server.is_error())
            klog::warn(klog::Subsystem::Boot, "ignoring option {} (want net.dns=A.B.C.D)", word);
        else
            g_network.dns = server.value();
    } else if (key == "cwd") {
        if (value.empty() || value.front() != '/')
            klog::warn(klog::Subsystem::Boot, "ignoring option {} (want cwd=/ABSOLUTE/PATH)", word);
        else
            g_options.working_directory = value;
    } else if (key == "nofile") {
        if (!parse_limit_pair(value, g_options.descriptor_soft_limit, g_options.descriptor_hard_limit))
            klog::warn(
                klog::Subsystem::Boot, "ignoring option {} (want nofile=SOFT:HARD, SOFT <= HARD, both above 2)", word);
    } else if (key == "user") {
        if (parse_program_user(value, g_options.user))
            g_options.bad_user = {}; // the boot line's, read after the image's, wins
        else
            g_options.bad_user = word; // never run as root instead of the user asked for
    } else if (key == "console_output") {
        if (!console::set_output_path(value))
            klog::warn(klog::Subsystem::Boot, "ignoring option {} (want console_output=uart or port)", word);
    } else if (key == "exit_report") {
        if (!core::set_exit_report(value))
            klog::warn(klog::Subsystem::Boot, "ignoring option {} (want exit_report=uart or port)", word);
    } else if (key == "snapshot") {
        if (!set_snapshot_point(value))
            klog::warn(klog::Subsystem::Boot, "ignoring option {} (want snapshot=main or ready)", word);
    } else if (key == "console_input") {
        if (!fs::set_console_input_mode(value))
            klog::warn(klog::Subsystem::Boot, "ignoring option {} (want console_input=escaped or raw)", word);
    } else if (!klog::apply_option(key, value)) {
        klog::warn(klog::Subsystem::Boot, "ignoring unknown option {}", word);
    }
}

lib::Result<images::Cmdline> split_line(int slot, std::string_view text)
{
    if (text.size() >= kStorageBytes)
        return lib::Error(lib::Errno::TOOBIG, "command line longer than 64 KiB");
    return images::parse_cmdline(text, g_storage[slot], g_words[slot]);
}

void apply_options(const images::Cmdline& line)
{
    for (auto option : line.options)
        apply_option(option);
    g_options.envp = std::span<const std::string_view>(g_environment, g_environment_count);
    g_options.virtio_mmio = std::span<const std::string_view>(g_virtio_mmio, g_virtio_mmio_count);
    g_options.network = g_network;
}

} // namespace

lib::Result<BootOptions> parse_boot_options(std::string_view text)
{
    g_boot_line = TRY(split_line(0, text));
    apply_options(g_boot_line);
    if (g_boot_line.has_separator)
        g_options.argv = g_boot_line.argv;
    return g_options;
}

lib::Result<BootOptions> apply_image_cmdline(std::string_view image_text)
{
    auto image_line = TRY(split_line(1, image_text));
    // Image options first, then the boot line's again, so that the boot line wins for
    // single-valued options while env= entries of both accumulate.
    g_environment_count = g_virtio_mmio_count = g_options.volume_count = 0;
    apply_options(image_line);
    apply_options(g_boot_line);
    g_options.argv = image_line.argv;
    return g_options;
}

} // namespace boot
