// The network interfaces as programs see them (netlink's RTM_GETLINK/RTM_GETADDR, and so
// getifaddrs and if_nameindex): "lo" and, with a virtio-net device, "eth0", with Linux's
// indexes (1 and 2), flags and addresses, read from lwIP's interfaces under the big
// kernel lock.
#pragma once

#include <cstddef>
#include <cstdint>

namespace net {

/// Linux's IFF_* flags (linux/if.h) and ARPHRD_* types (linux/if_arp.h).
constexpr unsigned kInterfaceUp = 0x1, kInterfaceBroadcast = 0x2, kInterfaceLoopback = 0x8, kInterfaceRunning = 0x40,
                   kInterfaceMulticast = 0x1000, kInterfaceLowerUp = 0x10000;
constexpr uint16_t kHardwareEthernet = 1, kHardwareLoopback = 772;

struct InterfaceInfo {
    int index;              // 1-based, as if_nametoindex reports
    char name[16];          // IFNAMSIZ
    uint16_t hardware_type; // ARPHRD_*
    uint8_t hardware_address[6];
    uint32_t mtu;
    unsigned flags;        // IFF_*
    uint32_t ipv4;         // network byte order; 0: none
    uint32_t ipv4_netmask; // network byte order
    uint8_t ipv4_prefix;   // the netmask's length
    uint32_t ipv4_broadcast() const { return ipv4 | ~ipv4_netmask; }
    uint8_t ipv6[16];    // the first IPv6 address (link-local for eth0, ::1 for lo)
    uint8_t ipv6_prefix; // 0: no IPv6 address
};

/// More than the VM has: "lo" and one Ethernet interface.
constexpr size_t kMaxInterfaces = 8;

/// Fills up to `capacity` interfaces (lwIP's, in index order); returns how many it filled.
/// Starts the stack if it has not started (interfaces exist from then on).
size_t list_interfaces(InterfaceInfo* out, size_t capacity);

} // namespace net
