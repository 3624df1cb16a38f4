// `osprey run -p [HOSTIP:]HOSTPORT:GUESTPORT[/tcp|/udp]`: a port of the host forwarded to
// the VM, as Docker's -p writes it, and the guest network that carries it (QEMU's user
// networking: the VM is 10.0.2.15/24 behind a NAT at 10.0.2.2, DNS at 10.0.2.3).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tools {

struct PublishedPort {
    std::string host_address; // empty: every address of the host, as Docker does
    uint16_t host_port = 0;
    uint16_t guest_port = 0;
    bool udp = false;
};

/// Parses one -p value. Ports are 1-65535; HOSTIP is an IPv4 address. Throws
/// CliError(kExitBadInput) saying what is wrong and showing the syntax.
PublishedPort parse_published_port(std::string_view text);

/// The user-mode network's fixed addresses (QEMU's slirp defaults).
inline constexpr const char* kGuestAddress = "10.0.2.15";
inline constexpr unsigned kGuestPrefixLength = 24;
inline constexpr const char* kGatewayAddress = "10.0.2.2";
inline constexpr const char* kNameServerAddress = "10.0.2.3";

} // namespace tools
