#include "volumes.h"

#include "cli_error.h"

#include <system_error>

namespace tools {

namespace {

[[noreturn]] void refuse(std::string_view text, const std::string& why)
{
    throw CliError(kExitBadInput,
        "--volume " + std::string(text) + ": " + why + " (want HOSTDIR:GUESTDIR[:ro], e.g. --volume ./data:/data)");
}

} // namespace

Volume parse_volume(std::string_view text)
{
    Volume volume;
    std::string_view rest = text;
    if (rest.ends_with(":ro") || rest.ends_with(":rw")) {
        volume.read_only = rest.ends_with(":ro");
        rest.remove_suffix(3);
    }
    // GUESTDIR is absolute, so the separator is the last ":/" (HOSTDIR may hold a ':').
    size_t separator = rest.rfind(":/");
    if (separator == std::string_view::npos || separator == 0)
        refuse(text, "give a host directory and an absolute guest directory");
    std::string_view guest = rest.substr(separator + 1);
    std::filesystem::path host = std::string(rest.substr(0, separator));
    while (guest.size() > 1 && guest.ends_with('/'))
        guest.remove_suffix(1);
    if (guest == "/")
        refuse(text, "a volume cannot hide the whole root: give a directory such as /data");
    if (guest.find(':') != std::string_view::npos)
        refuse(text, "the guest directory may not contain ':' (the kernel's volume= option separates with it)");
    for (size_t at = 0; at < guest.size();) {
        size_t end = guest.find('/', at + 1);
        std::string_view name = guest.substr(at + 1, (end == std::string_view::npos ? guest.size() : end) - at - 1);
        if (name == "..")
            refuse(text, "the guest directory may not contain '..'");
        at = end == std::string_view::npos ? guest.size() : end;
    }
    for (std::string_view kernels : { "/proc", "/sys", "/dev" })
        if (guest == kernels || (guest.starts_with(kernels) && guest[kernels.size()] == '/'))
            refuse(text, "/proc, /sys and /dev are the kernel's: give another guest directory");
    std::error_code error;
    if (!std::filesystem::is_directory(host, error))
        refuse(text, "'" + host.string() + "' is not a directory on this machine");
    volume.host = std::filesystem::absolute(host, error);
    volume.guest = std::string(guest);
    return volume;
}

namespace {

// Whether path `inner` is `outer` or lies under it (both absolute and normal).
bool within(const std::string& inner, const std::string& outer)
{
    return inner == outer || (inner.starts_with(outer) && (outer == "/" || inner[outer.size()] == '/'));
}

} // namespace

void check_volumes(const std::vector<Volume>& volumes)
{
    std::vector<std::string> hosts;
    for (const Volume& volume : volumes) {
        std::error_code error;
        std::filesystem::path canonical = std::filesystem::weakly_canonical(volume.host, error);
        hosts.push_back((error ? volume.host : canonical).lexically_normal().string());
    }
    for (size_t i = 0; i < volumes.size(); ++i) {
        for (size_t j = 0; j < volumes.size(); ++j) {
            if (i == j)
                continue;
            if (within(volumes[j].guest, volumes[i].guest))
                throw CliError(kExitBadInput,
                    "--volume: two volumes at " + volumes[i].guest + " and " + volumes[j].guest
                        + ": give each its own guest directory, neither inside the other");
            if (within(hosts[j], hosts[i]))
                throw CliError(kExitBadInput,
                    "--volume: " + hosts[j] + " is shared already, as part of " + hosts[i]
                        + ": share each host directory once, neither inside the other");
        }
    }
}

std::string volume_tag(size_t index) { return "vol" + std::to_string(index); }

} // namespace tools
