#include <net/kernel/interfaces.h>
#include <net/kernel/netlink_socket.h>

#include <cstring>
#include <new>

namespace net {

namespace {

// linux/netlink.h, linux/rtnetlink.h, linux/if_link.h, linux/if_addr.h
struct NetlinkHeader {
    uint32_t length;
    uint16_t type, flags;
    uint32_t sequence, port;
};
struct NetlinkAddress {
    uint16_t family, pad;
    uint32_t port, groups;
};
struct LinkMessage {
    uint8_t family, pad;
    uint16_t type;
    int32_t index;
    uint32_t flags, change;
};
struct AddressMessage {
    uint8_t family, prefix_length, flags, scope;
    uint32_t index;
};
struct Attribute {
    uint16_t length, type;
};
enum : uint16_t {
    kDone = 3,
    kError = 2,
    kNewLink = 16,
    kGetLink = 18,
    kNewAddress = 20,
    kGetAddress = 22,
    kGetRoute = 26
};
enum : uint16_t { kRequest = 1, kMulti = 2, kAcknowledge = 4, kDump = 0x300 };
enum : uint16_t { kLinkAddress = 1, kLinkBroadcast = 2, kLinkName = 3, kLinkMtu = 4 };
enum : uint16_t { kAddressAddress = 1, kAddressLocal = 2, kAddressLabel = 3, kAddressBroadcast = 4 };
constexpr uint8_t kScopeUniverse = 0, kScopeLink = 253, kScopeHost = 254, kAddressPermanent = 0x80;
constexpr int kLevelNetlink = 270;
constexpr uint32_t kPort = 1; // the process's pid
constexpr size_t kReplyBytes = 4096;

size_t align4(size_t n) { return (n + 3) & ~size_t(3); }

/// A reply datagram being written: messages one after another, each 4-byte aligned.
class Reply {
public:
    explicit Reply(const NetlinkHeader& request) : m_request(request) { }

    /// Starts a message of `type` with a fixed part of `size` bytes; false if it cannot fit.
    bool begin(uint16_t type, uint16_t flags, const void* fixed, size_t size)
    {
        if (m_used + sizeof(NetlinkHeader) + align4(size) > sizeof(m_bytes))
            return false;
        m_message = m_used;
        NetlinkHeader header { uint32_t(sizeof(NetlinkHeader)), type, flags, m_request.sequence, kPort };
        put(&header, sizeof(header));
        put(fixed, size);
        return true;
    }
    bool attribute(uint16_t type, const void* data, size_t size)
    {
        if (m_used + sizeof(Attribute) + align4(size) > sizeof(m_bytes))
            return false;
        Attribute header { uint16_t(sizeof(Attribute) + size), type };
        put(&header, sizeof(header));
        put(data, size);
        return true;
    }
    void end() { reinterpret_cast<NetlinkHeader*>(m_bytes + m_message)->length = uint32_t(m_used - m_message); }
    const uint8_t* data() const { return m_bytes; }
    size_t size() const { return m_used; }

private:
    void put(const void* data, size_t size)
    {
        memcpy(m_bytes + m_used, data, size);
        memset(m_bytes + m_used + size, 0, align4(size) - size);
        m_used += align4(size);
    }

    NetlinkHeader m_request;
    alignas(4) uint8_t m_bytes[kReplyBytes] = {};
    size_t m_used = 0, m_message = 0;
};

void add_link(Reply& reply, uint16_t flags, const InterfaceInfo& interface)
{
    LinkMessage link { 0, 0, interface.hardware_type, interface.index, interface.flags, 0 };
    reply.begin(kNewLink, flags, &link, sizeof(link));
    reply.attribute(kLinkName, interface.name, strlen(interface.name) + 1);
    reply.attribute(kLinkMtu, &interface.mtu, sizeof(interface.mtu));
    uint8_t broadcast[6];
    memset(broadcast, interface.hardware_type == kHardwareEthernet ? 0xff : 0, sizeof(broadcast));
    reply.attribute(kLinkAddress, interface.hardware_address, sizeof(interface.hardware_address));
    reply.attribute(kLinkBroadcast, broadcast, sizeof(broadcast));
    reply.end();
}

void add_addresses(Reply& reply, uint16_t flags, uint8_t family, const InterfaceInfo& interface)
{
    bool loopback = interface.hardware_type == kHardwareLoopback;
    if ((family == 0 || family == kFamilyInet) && interface.ipv4) {
        AddressMessage address { kFamilyInet, interface.ipv4_prefix, kAddressPermanent,
            loopback ? kScopeHost : kScopeUniverse, uint32_t(interface.index) };
        reply.begin(kNewAddress, flags, &address, sizeof(address));
        reply.attribute(kAddressAddress, &interface.ipv4, 4);
        reply.attribute(kAddressLocal, &interface.ipv4, 4);
        if (!loopback) {
            uint32_t broadcast = interface.ipv4_broadcast();
            reply.attribute(kAddressBroadcast, &broadcast, 4);
        }
        reply.attribute(kAddressLabel, interface.name, strlen(interface.name) + 1);
        reply.end();
    }
    if ((family == 0 || family == kFamilyInet6) && interface.ipv6_prefix) {
        AddressMessage address { kFamilyInet6, interface.ipv6_prefix, kAddressPermanent,
            loopback ? kScopeHost : kScopeLink, uint32_t(interface.index) };
        reply.begin(kNewAddress, flags, &address, sizeof(address));
        reply.attribute(kAddressAddress, interface.ipv6, 16);
        reply.end();
    }
}

void add_error(Reply& reply, const NetlinkHeader& request, int error)
{
    struct {
        int32_t error;
        NetlinkHeader request;
    } body { -error, request };
    reply.begin(kError, 0, &body, sizeof(body));
    reply.end();
}

} // namespace

lib::Result<NetlinkSocket*> NetlinkSocket::create(int type, int protocol)
{
    if (protocol != kNetlinkRoute)
        return lib::Error(lib::Errno::PROTONOSUPPORT, "socket: only NETLINK_ROUTE netlink sockets are supported");
    auto* socket = new (std::nothrow) NetlinkSocket(type);
    if (!socket)
        return lib::Error(lib::Errno::NOMEM, "socket: no memory");
    return socket;
}

lib::Result<void> NetlinkSocket::bind(const SocketAddress& address)
{
    NetlinkAddress requested {};
    if (address.length < sizeof(requested))
        return lib::Error(lib::Errno::INVAL, "bind: address shorter than sockaddr_nl");
    memcpy(&requested, address.bytes, sizeof(requested));
    if (requested.family != kFamilyNetlink)
        return lib::Error(lib::Errno::INVAL, "bind: not an AF_NETLINK address");
    m_groups = requested.groups; // accepted; no event is ever sent
    return {};
}

lib::Result<void> NetlinkSocket::connect(const SocketAddress& address)
{
    NetlinkAddress peer {};
    if (address.length < sizeof(peer))
        return lib::Error(lib::Errno::INVAL, "connect: address shorter than sockaddr_nl");
    memcpy(&peer, address.bytes, sizeof(peer));
    if (peer.family != kFamilyNetlink || peer.port != 0)
        return lib::Error(lib::Errno::INVAL, "connect: only the kernel (port 0) answers");
    return {};
}

lib::Result<size_t> NetlinkSocket::send(const void* data, size_t length, int, const SocketAddress* to)
{
    if (to) {
        NetlinkAddress peer {};
        memcpy(&peer, to->bytes, to->length < sizeof(peer) ? to->length : sizeof(peer));
        if (to->length < sizeof(peer) || peer.family != kFamilyNetlink)
            return lib::Error(lib::Errno::INVAL, "sendto: not an AF_NETLINK address");
        if (peer.port != 0)
            return lib::Error(lib::Errno::CONNREFUSED, "sendto: only the kernel (port 0) answers");
    }
    auto* bytes = static_cast<const uint8_t*>(data);
    for (size_t at = 0; at + sizeof(NetlinkHeader) <= length;) {
        NetlinkHeader header;
        memcpy(&header, bytes + at, sizeof(header));
        if (header.length < sizeof(header) || header.length > length - at)
            break; // Linux ignores what does not parse
        TRY(answer(bytes + at, header.length));
        at += align4(header.length);
    }
    m_changes.changed();
    return length;
}

lib::Result<void> NetlinkSocket::answer(const uint8_t* message, size_t length)
{
    NetlinkHeader header;
    memcpy(&header, message, sizeof(header));
    if (!(header.flags & kRequest) || header.type < 16) // not a request, or a control message
        return {};
    auto* reply = new (std::nothrow) Reply(header);
    if (!reply)
        return lib::Error(lib::Errno::NOBUFS, "sendmsg: no memory for the reply");
    bool dump = (header.flags & kDump) == kDump;
    uint16_t flags = dump ? kMulti : 0;
    InterfaceInfo interfaces[kMaxInterfaces];
    size_t count = list_interfaces(interfaces, kMaxInterfaces);
    uint8_t family = length > sizeof(header) ? message[sizeof(header)] : 0;
    int error = 0;
    if (header.type == kGetLink) {
        int32_t wanted = 0;
        if (!dump && length >= sizeof(header) + sizeof(LinkMessage))
            memcpy(&wanted, message + sizeof(header) + offsetof(LinkMessage, index), sizeof(wanted));
        bool found = false;
        for (size_t i = 0; i < count; ++i) {
            if (dump || interfaces[i].index == wanted) {
                add_link(*reply, flags, interfaces[i]);
                found = true;
            }
        }
        error = found ? 0 : int(lib::Errno::NODEV);
    } else if (header.type == kGetAddress && dump) {
        for (size_t i = 0; i < count; ++i)
            add_addresses(*reply, flags, family, interfaces[i]);
    } else if (header.type == kGetRoute && dump) {
        // no routes reported (see the header)
    } else {
        error = int(lib::Errno::NOTSUP);
    }
    if (error)
        add_error(*reply, header, error);
    else if (dump)
        reply->begin(kDone, kMulti, &error, sizeof(error)), reply->end();
    else if (header.flags & kAcknowledge)
        add_error(*reply, header, 0);
    auto queued = m_replies.push(reply->data(), reply->size());
    delete reply;
    return queued;
}

lib::Result<size_t> NetlinkSocket::receive(void* data, size_t length, int flags, ReceiveInfo& info)
{
    uint64_t deadline = receive_deadline();
    for (;;) {
        uint32_t seen = m_changes.now();
        if (!m_replies.empty()) {
            size_t size = m_replies.take(data, length, flags & MsgPeek);
            info.truncated = size > length;
            if (info.from)
                (void)peer_address(*info.from);
            return (flags & MsgTrunc) || size < length ? size : length;
        }
        if (should_not_block(flags))
            return lib::Error(lib::Errno::AGAIN, "recv: no reply queued");
        TRY(wait_for_change(seen, deadline)); // nothing will come: only a signal or timeout ends it
    }
}

lib::Result<void> NetlinkSocket::local_address(SocketAddress& out)
{
    out = {};
    NetlinkAddress address { kFamilyNetlink, 0, kPort, m_groups };
    memcpy(out.bytes, &address, sizeof(address));
    out.length = sizeof(address);
    return {};
}

lib::Result<void> NetlinkSocket::peer_address(SocketAddress& out)
{
    out = {};
    NetlinkAddress kernel { kFamilyNetlink, 0, 0, 0 };
    memcpy(out.bytes, &kernel, sizeof(kernel));
    out.length = sizeof(kernel);
    return {};
}

uint16_t NetlinkSocket::poll_events(uint16_t requested)
{
    uint16_t events = fs::PollOut | fs::PollWrNorm;
    if (!m_replies.empty())
        events |= fs::PollIn | fs::PollRdNorm;
    return events & (requested | fs::PollErr | fs::PollHup);
}

lib::Result<void> NetlinkSocket::set_protocol_option(int level, int, int)
{
    if (level == kLevelNetlink)
        return {}; // memberships, extended acks, strict checking: accepted (see the header)
    return lib::Error(lib::Errno::NOPROTOOPT, "setsockopt: option not supported on netlink sockets");
}

lib::Result<int> NetlinkSocket::get_protocol_option(int, int)
{
    return lib::Error(lib::Errno::NOPROTOOPT, "getsockopt: option not supported on netlink sockets");
}

} // namespace net
