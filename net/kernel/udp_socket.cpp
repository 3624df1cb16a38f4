#include <net/kernel/udp_socket.h>

#include <net/kernel/socket_address.h>
#include <net/kernel/stack.h>

#include <lwip/ip.h>
#include <lwip/udp.h>

#include <new>

namespace net {

namespace {

// The largest UDP payload over IPv4 (65535 - 20 - 8).
constexpr size_t kMaxDatagram = 65507;

} // namespace

lib::Result<UdpSocket*> UdpSocket::create(int family)
{
    udp_pcb* pcb = udp_new_ip_type(family == kFamilyInet ? IPADDR_TYPE_V4 : IPADDR_TYPE_ANY);
    if (!pcb)
        return lib::Error(lib::Errno::NOBUFS, "socket: no memory for a UDP control block");
    auto* socket = new (std::nothrow) UdpSocket(family, pcb);
    if (!socket) {
        udp_remove(pcb);
        return lib::Error(lib::Errno::NOMEM, "socket: no memory");
    }
    return socket;
}

UdpSocket::UdpSocket(int family, udp_pcb* pcb) : Socket(family, kSocketDatagram), m_pcb(pcb)
{
    udp_recv(pcb, on_receive, this);
}

UdpSocket::~UdpSocket()
{
    udp_remove(m_pcb);
    while (Datagram* datagram = m_first) {
        m_first = datagram->next;
        pbuf_free(datagram->data);
        delete datagram;
    }
}

void UdpSocket::on_receive(void* arg, udp_pcb*, pbuf* data, const ip_addr_t* from, u16_t port)
{
    auto* socket = static_cast<UdpSocket*>(arg);
    if (socket->m_shut_read || socket->m_queued_bytes + data->tot_len > socket->m_receive_buffer) {
        pbuf_free(data); // a full receive queue drops, as on Linux
        return;
    }
    struct netif* input = ip_current_input_netif();
    auto* datagram = new (std::nothrow)
        Datagram { nullptr, data, *from, port, *ip_current_dest_addr(), uint8_t(input ? netif_get_index(input) : 0) };
    if (!datagram) {
        pbuf_free(data);
        return;
    }
    if (socket->m_last)
        socket->m_last->next = datagram;
    else
        socket->m_first = datagram;
    socket->m_last = datagram;
    socket->m_queued_bytes += data->tot_len;
    socket->m_changes.changed();
}

lib::Result<void> UdpSocket::bind(const SocketAddress& address)
{
    Endpoint endpoint = TRY(endpoint_from(family(), address));
    if (m_pcb->local_port != 0)
        return lib::Error(lib::Errno::INVAL, "bind: the socket is already bound");
    if (!bindable_address(endpoint.address))
        return lib::Error(lib::Errno::ADDRNOTAVAIL, "bind: no interface has that address");
    if (family() == kFamilyInet6 && !m_ipv6_only && ip_addr_isany(&endpoint.address) && IP_IS_V6(&endpoint.address))
        endpoint.address = *IP_ANY_TYPE;
    err_t bound = udp_bind(m_pcb, &endpoint.address, endpoint.port);
    if (bound != ERR_OK)
        return lib::Error(errno_from(bound), "bind: address in use or invalid");
    return {};
}

lib::Result<void> UdpSocket::connect(const SocketAddress& address)
{
    uint16_t given_family = 0;
    if (address.length >= sizeof(given_family))
        __builtin_memcpy(&given_family, address.bytes, sizeof(given_family));
    if (given_family == kFamilyUnspecified) { // connect(AF_UNSPEC) dissolves the association
        udp_disconnect(m_pcb);
        m_connected = false;
        return {};
    }
    Endpoint endpoint = TRY(endpoint_from(family(), address));
    if (ip_addr_isany(&endpoint.address))
        ip_addr_set_loopback(IP_IS_V6(&endpoint.address), &endpoint.address);
    err_t connected = udp_connect(m_pcb, &endpoint.address, endpoint.port);
    if (connected != ERR_OK)
        return lib::Error(errno_from(connected), "connect: lwIP refused");
    m_connected = true;
    // Linux fixes the source address the route gives (getsockname shows it); lwIP leaves
    // the any address. An unroutable destination keeps it, as a later send reports.
    if (ip_addr_isany(&m_pcb->local_ip)) {
        if (struct netif* netif = ip_route(&m_pcb->local_ip, &endpoint.address)) {
            if (const ip_addr_t* source = ip_netif_get_local_ip(netif, &endpoint.address))
                ip_addr_copy(m_pcb->local_ip, *source);
        }
    }
    return {};
}

lib::Result<size_t> UdpSocket::send(const void* data, size_t length, int flags, const SocketAddress* to)
{
    if (m_shut_write)
        return broken_pipe(flags);
    if (length > kMaxDatagram)
        return lib::Error(lib::Errno::MSGSIZE, "send: datagram larger than 65507 bytes");
    Endpoint endpoint {};
    if (to && to->length) {
        endpoint = TRY(endpoint_from(family(), *to));
        if (ip_addr_isany(&endpoint.address))
            ip_addr_set_loopback(IP_IS_V6(&endpoint.address), &endpoint.address);
    } else if (!m_connected) {
        return lib::Error(lib::Errno::DESTADDRREQ, "send: the socket is not connected and no address was given");
    }
    pbuf* packet = pbuf_alloc(PBUF_TRANSPORT, u16_t(length), PBUF_RAM);
    if (!packet)
        return lib::Error(lib::Errno::NOBUFS, "send: no memory for the datagram");
    pbuf_take(packet, data, u16_t(length));
    err_t sent
        = to && to->length ? udp_sendto(m_pcb, packet, &endpoint.address, endpoint.port) : udp_send(m_pcb, packet);
    pbuf_free(packet);
    after_lwip_calls();
    if (sent != ERR_OK)
        return lib::Error(errno_from(sent), "send: lwIP could not send the datagram");
    return length;
}

void UdpSocket::fill_packet_info(const Datagram& datagram, PacketInfo& out)
{
    out.valid = true;
    out.interface_index = datagram.interface_index;
    out.destination = ip4_addr_get_u32(ip_2_ip4(&datagram.destination));
    struct netif* netif = netif_get_by_index(datagram.interface_index);
    out.local = netif ? ip4_addr_get_u32(netif_ip4_addr(netif)) : out.destination;
}

lib::Result<size_t> UdpSocket::receive(void* data, size_t length, int flags, ReceiveInfo& info)
{
    uint64_t deadline = receive_deadline();
    for (;;) {
        uint32_t seen = m_changes.now();
        if (Datagram* datagram = m_first) {
            size_t size = datagram->data->tot_len;
            size_t copied = length < size ? length : size;
            pbuf_copy_partial(datagram->data, data, u16_t(copied), 0);
            info.truncated = copied < size;
            if (info.from)
                socket_address_from(family(), Endpoint { datagram->from, datagram->port }, *info.from);
            if (info.packet && kept_option(kLevelIp, kIpPacketInfo) && IP_IS_V4(&datagram->destination))
                fill_packet_info(*datagram, *info.packet);
            if (!(flags & MsgPeek)) {
                m_first = datagram->next;
                if (!m_first)
                    m_last = nullptr;
                m_queued_bytes -= size;
                pbuf_free(datagram->data);
                delete datagram;
            }
            return (flags & MsgTrunc) ? size : copied; // MSG_TRUNC: the datagram's real size
        }
        if (m_shut_read)
            return size_t(0);
        if (should_not_block(flags))
            return lib::Error(lib::Errno::AGAIN, "recv: no datagram yet");
        TRY(wait_for_change(seen, deadline));
    }
}

lib::Result<void> UdpSocket::shutdown(int how)
{
    if (!m_connected)
        return lib::Error(lib::Errno::NOTCONN, "shutdown: the socket is not connected");
    if (how == 0 || how == 2)
        m_shut_read = true;
    if (how == 1 || how == 2)
        m_shut_write = true;
    m_changes.changed();
    return {};
}

lib::Result<void> UdpSocket::local_address(SocketAddress& out)
{
    socket_address_from(family(), m_pcb->local_ip, m_pcb->local_port, out);
    return {};
}

lib::Result<void> UdpSocket::peer_address(SocketAddress& out)
{
    if (!m_connected)
        return lib::Error(lib::Errno::NOTCONN, "getpeername: the socket is not connected");
    socket_address_from(family(), m_pcb->remote_ip, m_pcb->remote_port, out);
    return {};
}

uint16_t UdpSocket::poll_events(uint16_t requested)
{
    uint16_t events = 0;
    if (m_first || m_shut_read)
        events |= fs::PollIn | fs::PollRdNorm;
    if (!m_shut_write)
        events |= fs::PollOut | fs::PollWrNorm;
    if (m_shut_read && m_shut_write)
        events |= fs::PollHup;
    return events & (requested | fs::PollErr | fs::PollHup);
}

// Linux's FIONREAD on a UDP socket: the size of the next datagram.
lib::Result<size_t> UdpSocket::bytes_readable() { return m_first ? size_t(m_first->data->tot_len) : 0; }

lib::Result<void> UdpSocket::set_protocol_option(int level, int name, int value)
{
    if (u8_t option = pcb_flag_of(level, name)) { // SO_KEEPALIVE is accepted and inert, as on Linux
        if (value)
            ip_set_option(m_pcb, option);
        else
            ip_reset_option(m_pcb, option);
        return {};
    }
    if (level == kLevelIp && (name == kIpTos || name == kIpTtl)) {
        (name == kIpTos ? m_pcb->tos : m_pcb->ttl) = u8_t(value);
        return {};
    }
    if (level == kLevelIpv6 && name == kIpv6Only && family() == kFamilyInet6) {
        if (m_pcb->local_port != 0)
            return lib::Error(lib::Errno::INVAL, "setsockopt: IPV6_V6ONLY after bind");
        m_ipv6_only = value != 0;
        return {};
    }
    return lib::Error(lib::Errno::NOPROTOOPT, "setsockopt: option not supported on UDP sockets");
}

lib::Result<int> UdpSocket::get_protocol_option(int level, int name)
{
    if (u8_t option = pcb_flag_of(level, name))
        return int(ip_get_option(m_pcb, option) != 0);
    if (level == kLevelIp && (name == kIpTos || name == kIpTtl))
        return int(name == kIpTos ? m_pcb->tos : m_pcb->ttl);
    if (level == kLevelIpv6 && name == kIpv6Only && family() == kFamilyInet6)
        return int(m_ipv6_only);
    return lib::Error(lib::Errno::NOPROTOOPT, "getsockopt: option not supported on UDP sockets");
}

} // namespace net
