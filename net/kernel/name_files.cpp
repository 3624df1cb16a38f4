#include <net/kernel/name_files.h>

#include <kernel/core/identity.h>
#include <kernel/console/log.h>
#include <kernel/fs/root_fs.h>

#include <vfs/tree.h>

#include <fmt/format.h>

#include <span>

namespace net {

namespace {

/// "nameserver A.B.C.D\n" for `dns` (network byte order), in `text`.
std::string_view resolv_conf_text(uint32_t dns, std::span<char, 40> text)
{
    const auto* b = reinterpret_cast<const uint8_t*>(&dns);
    auto end = fmt::format_to_n(text.data(), text.size(), "nameserver {}.{}.{}.{}\n", b[0], b[1], b[2], b[3]);
    return { text.data(), end.size };
}

lib::Result<void> provide_all(const Ipv4Settings& settings)
{
    // The VM's own name resolves as on Debian (127.0.1.1): a lookup of it must not go to DNS
    // (squid's start-up waited five seconds for that answer).
    char hosts[160];
    auto written = fmt::format_to_n(hosts, sizeof(hosts),
        "127.0.0.1\tlocalhost\n127.0.1.1\t{}\n::1\tlocalhost ip6-localhost ip6-loopback\n", core::kHostName);
    TRY(fs::provide_system_file("etc", "hosts", std::string_view(hosts, written.size)));
    if (settings.dns) {
        char text[40];
        TRY(fs::provide_system_file("etc", "resolv.conf", resolv_conf_text(settings.dns, text)));
    }
    return {};
}

lib::Result<LeasedResolvConf> write_leased(uint32_t dns, const LeasedResolvConf& leased)
{
    vfs::Tree& tree = fs::root_tree();
    vfs::Node& dir = *TRY(fs::system_directory("etc"));
    char buffer[40];
    std::string_view text = resolv_conf_text(dns, buffer);
    lib::RefPtr<vfs::Node> file;
    if (auto found = tree.lookup(dir, "resolv.conf"); !found.is_error()) {
        if (found.value().get() != leased.file.get() || found.value()->modify_time() != leased.written)
            return LeasedResolvConf {}; // the image's or the program's own, or changed by it
        file = found.value();
        TRY(tree.truncate(*file, 0));
    } else {
        file = TRY(tree.create(dir, "resolv.conf", vfs::NodeType::Regular, 0644));
    }
    TRY(fs::write_whole_file(*file, text));
    vfs::Timestamp when = file->modify_time();
    return LeasedResolvConf { static_cast<lib::RefPtr<vfs::Node>&&>(file), when };
}

} // namespace

void provide_name_files(const Ipv4Settings& settings)
{
    if (auto done = provide_all(settings); done.is_error())
        klog::info(klog::Subsystem::Net, "no /etc/hosts or /etc/resolv.conf made: {} ({})", done.error().message,
            lib::errno_name(done.error().code));
}

void write_leased_resolv_conf(uint32_t dns, LeasedResolvConf& leased)
{
    auto written = write_leased(dns, leased);
    if (written.is_error()) {
        klog::info(klog::Subsystem::Net, "/etc/resolv.conf not written for the lease: {} ({})", written.error().message,
            lib::errno_name(written.error().code));
        return;
    }
    leased = written.release_value();
}

} // namespace net
