// A UDP socket (SOCK_DGRAM over AF_INET or AF_INET6) on an lwIP udp_pcb. Datagrams wait
// in the socket, each with its sender, up to SO_RCVBUF bytes (later ones are dropped, as
// Linux drops on a full receive queue). Sending never blocks: a datagram goes to lwIP at
// once. An AF_INET6 socket is dual-stack, as for TCP.
//
// Partial: no multicast membership (IP_ADD_MEMBERSHIP), no IP_PKTINFO control messages.
#pragma once

#include <net/kernel/socket.h>

#include <lwip/ip_addr.h>

struct udp_pcb;
struct pbuf;

namespace net {

class UdpSocket final : public Socket {
public:
    /// A new, unbound socket. Errors: NOBUFS, NOMEM.
    static lib::Result<UdpSocket*> create(int family);
    ~UdpSocket() override;

    lib::Result<void> bind(const SocketAddress& address) override;
    lib::Result<void> connect(const SocketAddress& address) override;
    lib::Result<size_t> send(const void* data, size_t length, int flags, const SocketAddress* to) override;
    lib::Result<size_t> receive(void* data, size_t length, int flags, ReceiveInfo& info) override;
    lib::Result<void> shutdown(int how) override;
    lib::Result<void> local_address(SocketAddress& out) override;
    lib::Result<void> peer_address(SocketAddress& out) override;

    uint16_t poll_events(uint16_t requested) override;
    lib::Result<size_t> bytes_readable() override;

protected:
    lib::Result<void> set_protocol_option(int level, int name, int value) override;
    lib::Result<int> get_protocol_option(int level, int name) override;
    int take_error() override { return 0; }

private:
    struct Datagram {
        Datagram* next;
        pbuf* data;
        ip_addr_t from;
        uint16_t port;
        ip_addr_t destination; // for IP_PKTINFO
        uint8_t interface_index;
    };

    UdpSocket(int family, udp_pcb* pcb);
    static void on_receive(void* arg, udp_pcb* pcb, pbuf* data, const ip_addr_t* from, uint16_t port);
    /// IP_PKTINFO's answer for `datagram` (IPv4).
    static void fill_packet_info(const Datagram& datagram, PacketInfo& out);

    udp_pcb* m_pcb;
    Datagram* m_first = nullptr;
    Datagram* m_last = nullptr;
    size_t m_queued_bytes = 0;
    bool m_connected = false;
    bool m_shut_read = false;
    bool m_shut_write = false;
    bool m_ipv6_only = false; // IPV6_V6ONLY
};

} // namespace net
