// AF_NETLINK sockets, NETLINK_ROUTE only, for what programs ask the kernel about the network
// at start-up: the interfaces and their addresses (RTM_GETLINK and RTM_GETADDR, one or all:
// glibc's and musl's getifaddrs and if_nameindex, dnsmasq, unbound, bind9). Replies are
// queued whole during the send, so a MSG_DONTWAIT receive right after finds them.
//
// Partial: a route dump (RTM_GETROUTE) answers with no routes; no request changes anything
// (RTM_NEWADDR and the like are refused with EOPNOTSUPP in an NLMSG_ERROR); group
// memberships are accepted and never send an event (interfaces never change); every
// socket's port id is 1, the process's.
#pragma once

#include <net/kernel/datagram_queue.h>
#include <net/kernel/socket.h>

namespace net {

constexpr int kFamilyNetlink = 16, kSocketRaw = 3, kNetlinkRoute = 0;

class NetlinkSocket final : public Socket {
public:
    /// A NETLINK_ROUTE socket of `type` (SOCK_RAW or SOCK_DGRAM). Errors:
    /// PROTONOSUPPORT for another netlink protocol, NOMEM.
    static lib::Result<NetlinkSocket*> create(int type, int protocol);

    lib::Result<void> bind(const SocketAddress& address) override;
    lib::Result<void> connect(const SocketAddress& address) override;
    lib::Result<size_t> send(const void* data, size_t length, int flags, const SocketAddress* to) override;
    lib::Result<size_t> receive(void* data, size_t length, int flags, ReceiveInfo& info) override;
    lib::Result<void> shutdown(int) override { return {}; }
    lib::Result<void> local_address(SocketAddress& out) override;
    lib::Result<void> peer_address(SocketAddress& out) override;

    uint16_t poll_events(uint16_t requested) override;
    lib::Result<size_t> bytes_readable() override { return m_replies.front_length(); }

protected:
    lib::Result<void> set_protocol_option(int level, int name, int value) override;
    lib::Result<int> get_protocol_option(int level, int name) override;
    int take_error() override { return 0; }

private:
    explicit NetlinkSocket(int type) : Socket(kFamilyNetlink, type) { }
    /// Answers one request message (its header and payload at `message`).
    lib::Result<void> answer(const uint8_t* message, size_t length);

    DatagramQueue m_replies;
    uint32_t m_groups = 0; // bind's multicast groups, reported back by getsockname
};

} // namespace net
