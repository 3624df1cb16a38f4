#include <net/kernel/interfaces.h>
#include <net/kernel/stack.h>

#include <lwip/netif.h>

#include <algorithm>
#include <cstring>

namespace net {

namespace {

void describe(const struct netif& netif, InterfaceInfo& info)
{
    info = {};
    info.index = netif_get_index(&netif);
    bool loopback = netif.name[0] == 'l' && netif.name[1] == 'o';
    strcpy(info.name, loopback ? "lo" : "eth0");
    info.hardware_type = loopback ? kHardwareLoopback : kHardwareEthernet;
    if (!loopback)
        memcpy(info.hardware_address, netif.hwaddr, sizeof(info.hardware_address));
    info.mtu = loopback ? 65536 : netif.mtu;
    if (netif_is_up(&netif))
        info.flags |= kInterfaceUp | kInterfaceRunning | (netif_is_link_up(&netif) || loopback ? kInterfaceLowerUp : 0);
    info.flags |= loopback ? kInterfaceLoopback : kInterfaceBroadcast | kInterfaceMulticast;
    info.ipv4 = ip4_addr_get_u32(netif_ip4_addr(&netif));
    info.ipv4_netmask = ip4_addr_get_u32(netif_ip4_netmask(&netif));
    info.ipv4_prefix = uint8_t(__builtin_popcount(info.ipv4_netmask));
    for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES; ++i) {
        if (ip6_addr_isvalid(netif_ip6_addr_state(&netif, i))) {
            memcpy(info.ipv6, netif_ip6_addr(&netif, i)->addr, sizeof(info.ipv6));
            info.ipv6_prefix = loopback ? 128 : 64;
            break;
        }
    }
}

} // namespace

size_t list_interfaces(InterfaceInfo* out, size_t capacity)
{
    if (ensure_started().is_error())
        return 0;
    size_t count = 0;
    struct netif* netif;
    NETIF_FOREACH(netif)
    {
        if (count < capacity)
            describe(*netif, out[count]);
        ++count;
    }
    // lwIP keeps the newest interface first: Linux lists by index.
    size_t listed = count < capacity ? count : capacity;
    std::sort(out, out + listed, [](const InterfaceInfo& a, const InterfaceInfo& b) { return a.index < b.index; });
    return listed;
}

} // namespace net
