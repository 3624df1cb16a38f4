// Between the socket addresses programs pass (struct sockaddr_in, sockaddr_in6) and lwIP's
// (ip_addr_t and a port), and from lwIP's err_t to Linux's errno.
#pragma once

#include <net/kernel/socket.h>

#include <lwip/err.h>
#include <lwip/ip_addr.h>

namespace net {

struct Endpoint {
    ip_addr_t address;
    uint16_t port; // host byte order
};

/// The endpoint `address` names, for a socket of `family`. An AF_INET6 socket takes an
/// IPv4-mapped address (::ffff:a.b.c.d) as the IPv4 address. Errors: INVAL (shorter than
/// the family's sockaddr), AFNOSUPPORT (another family).
lib::Result<Endpoint> endpoint_from(int family, const SocketAddress& address);

/// The sockaddr of `endpoint` for a socket of `family` (IPv4 endpoints of an AF_INET6
/// socket become IPv4-mapped addresses).
void socket_address_from(int family, const Endpoint& endpoint, SocketAddress& out);

/// socket_address_from for an address and port as a pcb holds them.
inline void socket_address_from(int family, const ip_addr_t& address, uint16_t port, SocketAddress& out)
{
    Endpoint endpoint {};
    ip_addr_copy(endpoint.address, address);
    endpoint.port = port;
    socket_address_from(family, endpoint, out);
}

/// Whether a socket may bind to `address`: the any address, loopback, or an address of
/// one of the interfaces (else Linux says EADDRNOTAVAIL).
bool bindable_address(const ip_addr_t& address);

/// The flag of an lwIP pcb's so_options (SOF_REUSEADDR, SOF_KEEPALIVE, SOF_BROADCAST) that
/// SOL_SOCKET option `name` sets, or 0 for any other option.
u8_t pcb_flag_of(int level, int name);

/// Linux's errno for an lwIP error.
lib::Errno errno_from(err_t error);

} // namespace net
