// `osprey run --net[=user|tap:NAME] [--ip A.B.C.D/PREFIX|dhcp] [--gateway A.B.C.D]
// [--dns A.B.C.D]`: which network the VM's virtio-net device is on and how the guest
// gets its IPv4 settings (the kernel's net.ip=, net.gateway=, net.dns= boot options).
//
// user: the user-mode NAT of include/abi/user_network.h (QEMU's, or passt under
// osprey-monitor), no root needed; the guest is 10.0.2.15/24 behind 10.0.2.2 with the name
// server 10.0.2.3, or asks its DHCP server (--ip dhcp). tap:NAME: a host tap interface the
// user made (ip tuntap add NAME mode tap), for a VM with an address of its own on a real
// network; the guest asks a DHCP server there unless --ip gives a static address. Its MAC
// address is derived from the tap's name: VMs on different taps of one bridge do not
// collide, and a VM run again on the same tap is the same client to the DHCP server (it
// gets its address back rather than a new lease each run).
#pragma once

#include "published_ports.h"

#include <string>
#include <string_view>
#include <vector>

namespace tools {

/// The default is the user-mode NAT with its fixed addresses (what `--net` gives).
struct GuestNetwork {
    enum class Backend { User, Tap };
    Backend backend = Backend::User;
    std::string tap;   // Tap: the host interface's name
    bool dhcp = false; // the guest asks a DHCP server for its settings
    std::string address = std::string(kGuestAddress) + "/" + std::to_string(kGuestPrefixLength); // static
    std::string gateway = kGatewayAddress; // static: "A.B.C.D", or empty for none
    std::string dns = kNameServerAddress;  // "A.B.C.D", or empty (then the lease's, if any)
    std::string mac;                       // Tap: "02:xx:xx:xx:xx:xx"; empty: the hypervisor's default
};

/// The --net and addressing options as given (empty strings: not given); `mac` is the
/// address a tap VM gets. Throws CliError(kExitBadInput) naming what is wrong: an unknown
/// --net value, a malformed address, a static --ip on the user network (whose guest
/// address is fixed), -p with a tap (the VM is reached at its own address there).
GuestNetwork parse_guest_network(std::string_view net, std::string_view ip, std::string_view gateway,
    std::string_view dns, bool publishes_ports, std::string_view mac);

/// The VM's MAC address on tap `name`: locally administered, unicast (02:xx:xx:xx:xx:xx),
/// the same for the same name.
std::string mac_address_for_tap(std::string_view name);

/// The kernel's boot options for it: net.ip=..., net.gateway=..., net.dns=....
std::vector<std::string> network_kernel_options(const GuestNetwork& network);

} // namespace tools
