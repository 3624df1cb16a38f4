#include "published_ports.h"

#include "cli_error.h"

#include <charconv>

namespace tools {

namespace {

[[noreturn]] void bad_port(std::string_view text, const std::string& why)
{
    throw CliError(kExitBadInput, "bad -p '" + std::string(text) + "': " + why
        + " (want [HOSTIP:]HOSTPORT:GUESTPORT[/udp], e.g. -p 8080:80 or -p 127.0.0.1:5353:53/udp)");
}

uint16_t parse_port(std::string_view whole, std::string_view digits, const char* which)
{
    unsigned value = 0;
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (digits.empty() || error != std::errc() || end != digits.data() + digits.size() || value == 0 || value > 65535)
        bad_port(whole, std::string(which) + " port '" + std::string(digits) + "' is not a number from 1 to 65535");
    return uint16_t(value);
}

bool ipv4_address(std::string_view text)
{
    int parts = 0;
    while (true) {
        size_t dot = text.find('.');
        std::string_view part = text.substr(0, dot);
        unsigned value = 0;
        auto [end, error] = std::from_chars(part.data(), part.data() + part.size(), value);
        if (part.empty() || part.size() > 3 || error != std::errc() || end != part.data() + part.size() || value > 255)
            return false;
        ++parts;
        if (dot == std::string_view::npos)
            return parts == 4;
        text.remove_prefix(dot + 1);
    }
}

} // namespace

PublishedPort parse_published_port(std::string_view text)
{
    PublishedPort port;
    std::string_view rest = text;
    if (size_t slash = rest.rfind('/'); slash != std::string_view::npos) {
        std::string_view protocol = rest.substr(slash + 1);
        if (protocol != "tcp" && protocol != "udp")
            bad_port(text, "protocol '" + std::string(protocol) + "' is not tcp or udp");
        port.udp = protocol == "udp";
        rest = rest.substr(0, slash);
    }
    size_t last = rest.rfind(':');
    if (last == std::string_view::npos)
        bad_port(text, "no GUESTPORT");
    port.guest_port = parse_port(text, rest.substr(last + 1), "guest");
    rest = rest.substr(0, last);
    size_t first = rest.rfind(':');
    port.host_port = parse_port(text, first == std::string_view::npos ? rest : rest.substr(first + 1), "host");
    if (first != std::string_view::npos) {
        std::string_view address = rest.substr(0, first);
        if (!ipv4_address(address))
            bad_port(text, "host address '" + std::string(address) + "' is not an IPv4 address");
        port.host_address = std::string(address);
    }
    return port;
}

} // namespace tools
