// The user-mode network both hypervisors give a VM with --net or -p: the VM at 10.0.2.15/24
// behind a NAT, the host's loopback reachable at the gateway 10.0.2.2, DNS at 10.0.2.3.
// These are QEMU's slirp defaults (tools/qemu_command.cpp), and osprey-monitor configures
// passt the same way (monitor/passt.cpp), so a program sees one network under either.
// The kernel learns them from its net.ip=, net.gateway= and net.dns= options.
//
// Also the one parser of a published port as users write it (Docker's -p), for the CLI's
// -p and the monitor's --publish. (Namespace user_network, not abi::: gtest aliases abi.)
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace user_network {

inline constexpr const char* kGuestAddress = "10.0.2.15";
inline constexpr unsigned kGuestPrefixLength = 24;
inline constexpr const char* kGatewayAddress = "10.0.2.2";
inline constexpr const char* kNameServerAddress = "10.0.2.3";

/// A host port forwarded to the VM.
struct PublishedPort {
    std::string host_address; // empty: every address of the host, as Docker does
    uint16_t host_port = 0;
    uint16_t guest_port = 0;
    bool udp = false;
    bool operator==(const PublishedPort&) const = default;
};

inline constexpr const char* kPublishedPortSyntax = "[HOSTIP:]HOSTPORT:GUESTPORT[/udp]";

namespace detail {

inline bool port_number(std::string_view digits, uint16_t& port)
{
    unsigned value = 0;
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (digits.empty() || error != std::errc() || end != digits.data() + digits.size() || value == 0 || value > 65535)
        return false;
    port = uint16_t(value);
    return true;
}

inline bool ipv4_address(std::string_view text)
{
    for (int parts = 1;; ++parts) {
        size_t dot = text.find('.');
        std::string_view part = text.substr(0, dot);
        unsigned value = 0;
        auto [end, error] = std::from_chars(part.data(), part.data() + part.size(), value);
        if (part.empty() || part.size() > 3 || error != std::errc() || end != part.data() + part.size() || value > 255)
            return false;
        if (dot == std::string_view::npos)
            return parts == 4;
        text.remove_prefix(dot + 1);
    }
}

} // namespace detail

/// Parses [HOSTIP:]HOSTPORT:GUESTPORT[/tcp|/udp] (ports 1-65535, HOSTIP an IPv4 address)
/// into `port`. Returns null, or what is wrong.
inline const char* parse_published_port(std::string_view text, PublishedPort& port)
{
    port = {};
    std::string_view rest = text;
    if (size_t slash = rest.rfind('/'); slash != std::string_view::npos) {
        std::string_view protocol = rest.substr(slash + 1);
        if (protocol != "tcp" && protocol != "udp")
            return "the protocol is not tcp or udp";
        port.udp = protocol == "udp";
        rest = rest.substr(0, slash);
    }
    size_t last = rest.rfind(':');
    if (last == std::string_view::npos)
        return "there is no GUESTPORT";
    if (!detail::port_number(rest.substr(last + 1), port.guest_port))
        return "the guest port is not a number from 1 to 65535";
    rest = rest.substr(0, last);
    size_t first = rest.rfind(':');
    if (!detail::port_number(first == std::string_view::npos ? rest : rest.substr(first + 1), port.host_port))
        return "the host port is not a number from 1 to 65535";
    if (first != std::string_view::npos) {
        std::string_view address = rest.substr(0, first);
        if (!detail::ipv4_address(address))
            return "the host address is not an IPv4 address";
        port.host_address = std::string(address);
    }
    return nullptr;
}

/// `port` as parse_published_port reads it back.
inline std::string published_port_text(const PublishedPort& port)
{
    return (port.host_address.empty() ? "" : port.host_address + ":") + std::to_string(port.host_port) + ":"
        + std::to_string(port.guest_port) + (port.udp ? "/udp" : "");
}

} // namespace user_network
