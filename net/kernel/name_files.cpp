#include <net/kernel/name_files.h>

#include <kernel/core/identity.h>
#include <kernel/console/log.h>
#include <kernel/fs/root_fs.h>

#include <vfs/tree.h>

#include <fmt/format.h>

#include <span>

namespace net {

namespace {

/// `text` as the whole of the empty file `file`.
lib::Result<void> write_text(vfs::Node& file, std::string_view text)
{
    size_t written = TRY(fs::root_tree().write(file, text.data(), text.size(), 0));
    if (written != text.size())
        return lib::Error(lib::Errno::NOSPC, "short write");
    return {};
}

lib::Result<void> provide(vfs::Node& etc, std::string_view name, std::string_view text)
{
    vfs::Tree& tree = fs::root_tree();
    if (!tree.lookup(etc, name).is_error())
        return {}; // the image has one
    return write_text(*TRY(tree.create(etc, name, vfs::NodeType::Regular, 0644)), text);
}

lib::Result<lib::RefPtr<vfs::Node>> etc_directory()
{
    vfs::Tree& tree = fs::root_tree();
    auto etc = tree.lookup(tree.root(), "etc");
    if (etc.is_error())
        etc = tree.create(tree.root(), "etc", vfs::NodeType::Directory, 0755);
    return etc;
}

/// "nameserver A.B.C.D\n" for `dns` (network byte order), in `text`.
std::string_view resolv_conf_text(uint32_t dns, std::span<char, 40> text)
{
    const auto* b = reinterpret_cast<const uint8_t*>(&dns);
    auto end = fmt::format_to_n(text.data(), text.size(), "nameserver {}.{}.{}.{}\n", b[0], b[1], b[2], b[3]);
    return { text.data(), end.size };
}

lib::Result<void> provide_all(const Ipv4Settings& settings)
{
    vfs::Node& dir = *TRY(etc_directory());
    // The VM's own name resolves as on Debian (127.0.1.1): a lookup of it must not go to DNS
    // (squid's start-up waited five seconds for that answer).
    char hosts[160];
    auto written = fmt::format_to_n(hosts, sizeof(hosts),
        "127.0.0.1\tlocalhost\n127.0.1.1\t{}\n::1\tlocalhost ip6-localhost ip6-loopback\n", core::kHostName);
    TRY(provide(dir, "hosts", std::string_view(hosts, written.size)));
    // The program runs as root (uid 0); servers that drop privileges look up nobody and
    // nogroup (nginx, lighttpd with server.username) and refuse to start without them.
    TRY(provide(
        dir, "passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"));
    TRY(provide(dir, "group", "root:x:0:\nnogroup:x:65534:\n"));
    if (settings.dns) {
        char text[40];
        TRY(provide(dir, "resolv.conf", resolv_conf_text(settings.dns, text)));
    }
    return {};
}

lib::Result<LeasedResolvConf> write_leased(uint32_t dns, const LeasedResolvConf& leased)
{
    vfs::Tree& tree = fs::root_tree();
    vfs::Node& dir = *TRY(etc_directory());
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
    TRY(write_text(*file, text));
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
