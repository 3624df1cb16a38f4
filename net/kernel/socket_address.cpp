#include <net/kernel/socket_address.h>

#include <lwip/ip.h>
#include <lwip/netif.h>

#include <cstring>

namespace net {

namespace {

// struct sockaddr_in (16 bytes) and struct sockaddr_in6 (28 bytes), linux/in.h, in6.h.
struct SockaddrIn {
    uint16_t family;
    uint16_t port; // network byte order
    uint32_t address;
    uint8_t zero[8];
};
struct SockaddrIn6 {
    uint16_t family;
    uint16_t port;
    uint32_t flow_info;
    uint8_t address[16];
    uint32_t scope_id;
};
static_assert(sizeof(SockaddrIn) == 16 && sizeof(SockaddrIn6) == 28);

bool ipv4_mapped(const uint8_t (&address)[16])
{
    static constexpr uint8_t prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
    return memcmp(address, prefix, sizeof(prefix)) == 0;
}

} // namespace

lib::Result<Endpoint> endpoint_from(int family, const SocketAddress& address)
{
    uint16_t given_family = 0;
    if (address.length >= sizeof(given_family))
        memcpy(&given_family, address.bytes, sizeof(given_family));
    Endpoint endpoint {};
    if (family == kFamilyInet) {
        if (address.length < sizeof(SockaddrIn))
            return lib::Error(lib::Errno::INVAL, "socket address shorter than a sockaddr_in");
        if (given_family != kFamilyInet)
            return lib::Error(lib::Errno::AFNOSUPPORT, "not an AF_INET address for an AF_INET socket");
        SockaddrIn in;
        memcpy(&in, address.bytes, sizeof(in));
        ip_addr_set_ip4_u32_val(endpoint.address, in.address);
        endpoint.port = lwip_ntohs(in.port);
        return endpoint;
    }
    if (address.length < sizeof(SockaddrIn6))
        return lib::Error(lib::Errno::INVAL, "socket address shorter than a sockaddr_in6");
    if (given_family != kFamilyInet6)
        return lib::Error(lib::Errno::AFNOSUPPORT, "not an AF_INET6 address for an AF_INET6 socket");
    SockaddrIn6 in6;
    memcpy(&in6, address.bytes, sizeof(in6));
    endpoint.port = lwip_ntohs(in6.port);
    if (ipv4_mapped(in6.address)) {
        uint32_t v4;
        memcpy(&v4, in6.address + 12, sizeof(v4));
        ip_addr_set_ip4_u32_val(endpoint.address, v4);
        return endpoint;
    }
    uint32_t words[4];
    memcpy(words, in6.address, sizeof(words));
    IP_ADDR6(&endpoint.address, words[0], words[1], words[2], words[3]);
    if (ip6_addr_islinklocal(ip_2_ip6(&endpoint.address)))
        ip6_addr_set_zone(ip_2_ip6(&endpoint.address), u8_t(in6.scope_id));
    return endpoint;
}

void socket_address_from(int family, const Endpoint& endpoint, SocketAddress& out)
{
    out = {};
    if (family == kFamilyInet) {
        SockaddrIn in {};
        in.family = kFamilyInet;
        in.port = lwip_htons(endpoint.port);
        in.address = IP_IS_V4(&endpoint.address) ? ip4_addr_get_u32(ip_2_ip4(&endpoint.address)) : 0;
        memcpy(out.bytes, &in, sizeof(in));
        out.length = sizeof(in);
        return;
    }
    SockaddrIn6 in6 {};
    in6.family = kFamilyInet6;
    in6.port = lwip_htons(endpoint.port);
    if (IP_IS_V4(&endpoint.address)) {
        uint32_t v4 = ip4_addr_get_u32(ip_2_ip4(&endpoint.address));
        if (v4 != 0) { // the any address stays ::
            in6.address[10] = in6.address[11] = 0xff;
            memcpy(in6.address + 12, &v4, sizeof(v4));
        }
    } else {
        memcpy(in6.address, ip_2_ip6(&endpoint.address)->addr, sizeof(in6.address));
        in6.scope_id = ip6_addr_zone(ip_2_ip6(&endpoint.address));
    }
    memcpy(out.bytes, &in6, sizeof(in6));
    out.length = sizeof(in6);
}

bool bindable_address(const ip_addr_t& given)
{
    ip_addr_t address = given; // lwIP's macros test their pointer for null
    if (ip_addr_isany_val(address) || ip_addr_isloopback(&address))
        return true;
    struct netif* netif;
    NETIF_FOREACH(netif)
    {
        if (IP_IS_V4_VAL(address) && ip4_addr_cmp(ip_2_ip4(&address), netif_ip4_addr(netif)))
            return true;
        if (IP_IS_V6_VAL(address) && netif_get_ip6_addr_match(netif, ip_2_ip6(&address)) >= 0)
            return true;
    }
    return false;
}

u8_t pcb_flag_of(int level, int name)
{
    if (level != kLevelSocket)
        return 0;
    switch (name) {
    case SoReuseAddr: return SOF_REUSEADDR;
    case SoKeepAlive: return SOF_KEEPALIVE;
    case SoBroadcast: return SOF_BROADCAST;
    default: return 0;
    }
}

lib::Errno errno_from(err_t error)
{
    switch (error) {
    case ERR_MEM: return lib::Errno::NOBUFS;
    case ERR_BUF: return lib::Errno::NOBUFS;
    case ERR_TIMEOUT: return lib::Errno::TIMEDOUT;
    case ERR_RTE: return lib::Errno::NETUNREACH;
    case ERR_INPROGRESS: return lib::Errno::INPROGRESS;
    case ERR_VAL: return lib::Errno::INVAL;
    case ERR_WOULDBLOCK: return lib::Errno::AGAIN;
    case ERR_USE: return lib::Errno::ADDRINUSE;
    case ERR_ALREADY: return lib::Errno::ALREADY;
    case ERR_ISCONN: return lib::Errno::ISCONN;
    case ERR_CONN: return lib::Errno::NOTCONN;
    case ERR_IF: return lib::Errno::NETDOWN;
    case ERR_ABRT: return lib::Errno::CONNABORTED;
    case ERR_RST: return lib::Errno::CONNRESET;
    case ERR_CLSD: return lib::Errno::NOTCONN;
    case ERR_ARG: return lib::Errno::INVAL;
    default: return lib::Errno::IO;
    }
}

} // namespace net
