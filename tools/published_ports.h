// `osprey run -p [HOSTIP:]HOSTPORT:GUESTPORT[/tcp|/udp]`: a port of the host forwarded to
// the VM, as Docker's -p writes it, and the guest network that carries it (the user-mode
// network of include/abi/user_network.h, under QEMU or osprey-monitor).
#pragma once

#include <abi/user_network.h>

#include <string_view>

namespace tools {

using user_network::published_port_text;
using user_network::PublishedPort;

/// Parses one -p value (user_network::parse_published_port). Throws
/// CliError(kExitBadInput) saying what is wrong and showing the syntax.
PublishedPort parse_published_port(std::string_view text);

/// The user-mode network's fixed addresses.
using user_network::kGatewayAddress;
using user_network::kGuestAddress;
using user_network::kGuestPrefixLength;
using user_network::kNameServerAddress;

} // namespace tools
