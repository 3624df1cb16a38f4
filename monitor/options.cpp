#include "options.h"

#include <charconv>
#include <cstdio>
#include <sys/stat.h>

namespace monitor {

lib::Result<uint64_t> parse_size(const std::string& text)
{
    uint64_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end == text.data())
        return lib::Error(lib::Errno::INVAL, "--memory: not a size (examples: 128M, 1G)");
    std::string_view suffix(end, text.data() + text.size());
    unsigned shift = suffix == "" ? 0 : suffix == "K" ? 10 : suffix == "M" ? 20 : suffix == "G" ? 30 : 64;
    if (shift == 64 || value > (UINT64_MAX >> shift))
        return lib::Error(lib::Errno::INVAL, "--memory: not a size (examples: 128M, 1G)");
    return value << shift;
}

namespace {

// TAG:HOSTDIR. The tag is what the guest mounts by (Linux takes up to 31 bytes); the
// directory must be there now, so a typo is told before the VM starts.
lib::Result<Options::Volume> parse_volume(const std::string& value, bool read_only)
{
    size_t colon = value.find(':');
    std::string tag = value.substr(0, colon);
    bool tag_ok = colon != std::string::npos && !tag.empty() && tag.size() <= 31
        && tag.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
            == std::string::npos;
    if (!tag_ok)
        return lib::Error(lib::Errno::INVAL,
            "--volume: want TAG:HOSTDIR, TAG 1-31 letters, digits, '_' or '-' (e.g. data:/srv/data)");
    std::string dir = value.substr(colon + 1);
    struct stat st;
    if (dir.empty() || stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        return lib::Error(lib::Errno::INVAL, "--volume: HOSTDIR (after TAG:) must be an existing host directory");
    return Options::Volume { tag, dir, read_only };
}

lib::Result<void> apply(Options& options, const std::string& name, const std::string& value)
{
    if (name == "--kernel")
        options.kernel = value;
    else if (name == "--image")
        options.image = value;
    else if (name == "--cmdline")
        options.cmdline = value;
    else if (name == "--disk" || name == "--disk-ro")
        options.disks.push_back({ value, name == "--disk-ro" });
    else if (name == "--volume" || name == "--volume-ro") {
        auto volume = TRY(parse_volume(value, name == "--volume-ro"));
        for (const Options::Volume& other : options.volumes)
            if (other.tag == volume.tag)
                return lib::Error(lib::Errno::INVAL, "--volume: two volumes with one TAG: give each its own");
        options.volumes.push_back(volume);
    } else if (name == "--net")
        options.tap = value;
    else if (name == "--mac") {
        std::array<uint8_t, 6> mac {};
        unsigned parts[6];
        char end = 0;
        if (sscanf(value.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x%c", &parts[0], &parts[1], &parts[2], &parts[3], &parts[4],
                &parts[5], &end)
                != 6
            || (parts[0] & 1))
            return lib::Error(lib::Errno::INVAL, "--mac: want a unicast address XX:XX:XX:XX:XX:XX (hex)");
        for (size_t i = 0; i < 6; ++i)
            mac[i] = uint8_t(parts[i]);
        options.mac = mac;
    } else if (name == "--publish") {
        user_network::PublishedPort port;
        if (user_network::parse_published_port(value, port))
            return lib::Error(lib::Errno::INVAL,
                "--publish: want [HOSTIP:]HOSTPORT:GUESTPORT[/udp] (ports 1-65535, an IPv4 HOSTIP), e.g. 8080:80");
        options.published.push_back(port);
    } else if (name == "--restore")
        options.restore_file = value;
    else if (name == "--memory")
        options.memory_bytes = TRY(parse_size(value));
    else if (name == "--timeout") {
        auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), options.timeout_seconds);
        if (error != std::errc() || end != value.data() + value.size() || options.timeout_seconds > 86400 * 365)
            return lib::Error(lib::Errno::INVAL, "--timeout: whole seconds, 0 for never");
    } else if (name == "--cpus") {
        auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), options.cpus);
        if (error != std::errc() || end != value.data() + value.size() || options.cpus < 1 || options.cpus > 64)
            return lib::Error(lib::Errno::INVAL, "--cpus: a number from 1 to 64");
    } else
        return lib::Error(lib::Errno::INVAL, "unknown option");
    return {};
}

} // namespace

lib::Result<Options> parse_options(const std::vector<std::string>& args)
{
    Options options;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg == "--rng" || arg == "--net-user" || arg == "--no-publish") {
            (arg == "--rng" ? options.rng : arg == "--net-user" ? options.net_user : options.no_publish) = true;
            continue;
        }
        if (arg == "--trace-boot" || arg == "--verbose" || arg == "--help" || arg == "-h") {
            (arg == "--trace-boot" ? options.trace_boot : arg == "--verbose" ? options.verbose : options.help) = true;
            continue;
        }
        if (arg == "--snapshot-at") {
            if (i + 2 >= args.size())
                return lib::Error(lib::Errno::INVAL, "--snapshot-at: give a point (main or ready) and a FILE");
            const std::string& point = args[++i];
            if (point != "main" && point != "ready")
                return lib::Error(lib::Errno::INVAL, "--snapshot-at: the point is main or ready");
            options.snapshot_at
                = point == "main" ? snapshot_abi::SnapshotPoint::Main : snapshot_abi::SnapshotPoint::Ready;
            options.snapshot_file = args[++i];
            continue;
        }
        if (i + 1 == args.size())
            return lib::Error(lib::Errno::INVAL, "option without a value, or unknown option");
        TRY(apply(options, arg, args[++i]));
    }
    if (options.help)
        return options;
    if (!options.restore_file.empty()) {
        // Everything else the VM had comes from the snapshot file, but where its network
        // goes on the host: another tap, other published ports (restore() checks the kind).
        if (!options.kernel.empty() || !options.image.empty() || !options.cmdline.empty() || !options.disks.empty()
            || options.net_user || options.mac || options.rng || options.snapshot_at || !options.volumes.empty())
            return lib::Error(lib::Errno::INVAL,
                "--restore takes only --timeout, --trace-boot, --verbose, --net TAP "
                "and --publish: the rest comes from the snapshot");
        if (options.no_publish && !options.published.empty())
            return lib::Error(lib::Errno::INVAL, "--restore: --publish and --no-publish, give one");
        return options;
    }
    if (options.no_publish)
        return lib::Error(
            lib::Errno::INVAL, "--no-publish goes with --restore (a VM booted publishes what --publish says)");
    if (options.kernel.empty() || options.image.empty())
        return lib::Error(lib::Errno::INVAL, "--kernel and --image are required");
    if (options.net_user && !options.tap.empty())
        return lib::Error(lib::Errno::INVAL, "--net TAP and --net-user: give one network");
    if (options.mac && options.tap.empty() && !options.net_user)
        return lib::Error(
            lib::Errno::INVAL, "--mac names the network device's address: give --net TAP or --net-user too");
    if (!options.published.empty() && !options.net_user)
        return lib::Error(lib::Errno::INVAL, "--publish forwards ports of the user-mode network: give --net-user too");
    if (options.snapshot_at && !options.volumes.empty())
        return lib::Error(lib::Errno::INVAL,
            "--snapshot-at: a VM with a --volume cannot be saved (its open files on the host cannot be)");
    return options;
}

} // namespace monitor
