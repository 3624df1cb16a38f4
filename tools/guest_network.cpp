#include "guest_network.h"

#include "cli_error.h"

#include <arpa/inet.h>
#include <cstdint>
#include <cstdio>

namespace tools {

namespace {

constexpr size_t kLongestInterfaceName = 15; // IFNAMSIZ - 1

bool is_ipv4(std::string_view text)
{
    struct in_addr parsed;
    return inet_pton(AF_INET, std::string(text).c_str(), &parsed) == 1;
}

/// "A.B.C.D/PREFIX" (PREFIX 0-32; without one, /24 as the kernel reads it).
bool is_ipv4_with_prefix(std::string_view text)
{
    size_t slash = text.find('/');
    if (slash == std::string_view::npos)
        return is_ipv4(text);
    std::string_view prefix = text.substr(slash + 1);
    if (prefix.empty() || prefix.size() > 2 || prefix.find_first_not_of("0123456789") != std::string_view::npos
        || std::stoi(std::string(prefix)) > 32)
        return false;
    return is_ipv4(text.substr(0, slash));
}

bool is_interface_name(std::string_view name)
{
    return !name.empty() && name.size() <= kLongestInterfaceName && name != "." && name != ".."
        && name.find_first_of("/ :\t") == std::string_view::npos;
}

[[noreturn]] void bad(const std::string& message) { throw CliError(kExitBadInput, message); }

void check_address(std::string_view option, std::string_view value)
{
    if (!value.empty() && !is_ipv4(value))
        bad("--" + std::string(option) + " '" + std::string(value) + "': want an IPv4 address A.B.C.D");
}

} // namespace

GuestNetwork parse_guest_network(std::string_view net, std::string_view ip, std::string_view gateway,
    std::string_view dns, bool publishes_ports, std::string_view mac)
{
    GuestNetwork network;
    if (net.rfind("tap:", 0) == 0) {
        network.backend = GuestNetwork::Backend::Tap;
        network.tap = std::string(net.substr(4));
        if (!is_interface_name(network.tap))
            bad("--net=tap:NAME: '" + network.tap
                + "' is not an interface name (1-15 characters, no '/', ':' or space)");
    } else if (!net.empty() && net != "user") {
        bad("--net='" + std::string(net) + "': want --net (or --net=user) for the user-mode NAT, or --net=tap:NAME");
    }
    check_address("gateway", gateway);
    check_address("dns", dns);
    if (!ip.empty() && ip != "dhcp" && !is_ipv4_with_prefix(ip))
        bad("--ip '" + std::string(ip) + "': want A.B.C.D/PREFIX (PREFIX 0-32) or dhcp");
    if (network.backend == GuestNetwork::Backend::User) {
        if (!ip.empty() && ip != "dhcp")
            bad("--ip " + std::string(ip) + ": the user-mode network gives the guest " + kGuestAddress
                + " (--ip dhcp asks its DHCP server for it); for an address of your own use --net=tap:NAME");
        if (!gateway.empty())
            bad("--gateway: the user-mode network's gateway is " + std::string(kGatewayAddress)
                + "; --gateway is for --net=tap:NAME");
        network.dhcp = ip == "dhcp";
        if (network.dhcp) { // the lease says
            network.address.clear();
            network.gateway.clear();
            network.dns.clear();
        }
        if (!dns.empty())
            network.dns = std::string(dns);
        return network;
    }
    if (publishes_ports)
        bad("-p publishes ports through the user-mode network; a VM on --net=tap:" + network.tap
            + " has its own address there: connect to it directly");
    network.dhcp = ip.empty() || ip == "dhcp";
    if (network.dhcp && !gateway.empty())
        bad("--gateway goes with a static --ip; under DHCP the lease names the gateway");
    network.address = network.dhcp ? "" : std::string(ip);
    network.gateway = std::string(gateway);
    network.dns = std::string(dns);
    network.mac = std::string(mac);
    return network;
}

std::string mac_address_for_tap(std::string_view name)
{
    uint64_t hash = 0xcbf29ce484222325ull; // FNV-1a, 64 bits
    for (char c : name)
        hash = (hash ^ uint8_t(c)) * 0x100000001b3ull;
    char text[18];
    snprintf(text, sizeof text, "02:%02x:%02x:%02x:%02x:%02x", unsigned(hash >> 32) & 0xff, unsigned(hash >> 24) & 0xff,
        unsigned(hash >> 16) & 0xff, unsigned(hash >> 8) & 0xff, unsigned(hash) & 0xff);
    return text;
}

std::vector<std::string> network_kernel_options(const GuestNetwork& network)
{
    std::vector<std::string> options;
    options.push_back("net.ip=" + (network.dhcp ? std::string("dhcp") : network.address));
    if (!network.gateway.empty())
        options.push_back("net.gateway=" + network.gateway);
    if (!network.dns.empty())
        options.push_back("net.dns=" + network.dns);
    return options;
}

} // namespace tools
