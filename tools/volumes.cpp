#include "volumes.h"

#include "cli_error.h"

#include <system_error>

namespace tools {

namespace {

[[noreturn]] void refuse(std::string_view text, const std::string& why)
{
    throw CliError(kExitBadInput, "--volume " + std::string(text) + ": " + why
        + " (want HOSTDIR:GUESTDIR[:ro], e.g. --volume ./data:/data)");
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

std::string volume_tag(size_t index) { return "vol" + std::to_string(index); }

} // namespace tools
