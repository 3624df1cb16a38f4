// The socket system calls: socket(2) makes a net::Socket (net/kernel/socket.h); the rest
// copy addresses, buffers and options between the program and the socket, with Linux's
// checks and errno. Names: socket(7), ip(7), tcp(7), udp(7).
#include <kernel/syscall/syscall.h>
#include <kernel/syscall/syscall_util.h>

#include <kernel/arch/x86_64/tsc.h>
#include <kernel/fs/fd_table.h>
#include <net/kernel/interfaces.h>
#include <net/kernel/netlink_socket.h>
#include <net/kernel/socket.h>
#include <net/kernel/stack.h>
#include <net/kernel/tcp_socket.h>
#include <net/kernel/udp_socket.h>
#include <net/kernel/unix_socket.h>

#include <cstdlib>
#include <cstring>

namespace sys {

namespace {

using net::SocketAddress;

constexpr int kTypeMask = 0xf;
constexpr int kProtocolTcp = 6, kProtocolUdp = 17;
// Receives into more than one buffer, and datagrams sent from several, go through one
// kernel buffer of at most this size.
constexpr size_t kMaxGather = 1024 * 1024;

lib::Result<net::Socket*> socket_of(fs::File& file)
{
    if (!file.is_socket())
        return lib::Error(lib::Errno::NOTSOCK, "not a socket");
    return static_cast<net::Socket*>(&file);
}

lib::Result<void> read_address(const void* address, uint32_t length, SocketAddress& out)
{
    if (length > sizeof(out.bytes))
        return lib::Error(lib::Errno::INVAL, "socket address longer than a sockaddr_storage");
    TRY(check_user_range(address, length));
    memcpy(out.bytes, address, length);
    out.length = length;
    return {};
}

/// Writes `address` into the program's (address, *length) pair, truncated to *length, and
/// sets *length to its full size, as accept/getsockname/recvfrom do. Null: nothing.
lib::Result<void> write_address(const SocketAddress& address, void* out, uint32_t* length)
{
    if (!out || !length)
        return {};
    TRY(check_user_range(length, sizeof(*length), UserAccess::Write));
    if (int32_t(*length) < 0)
        return lib::Error(lib::Errno::INVAL, "negative socket address length");
    uint32_t room = *length < address.length ? *length : address.length;
    TRY(check_user_range(out, room, UserAccess::Write));
    memcpy(out, address.bytes, room);
    *length = address.length;
    return {};
}

lib::Result<size_t> total_length(const abi::Iovec* iov, size_t count, UserAccess access)
{
    if (count > 1024)
        return lib::Error(lib::Errno::MSGSIZE, "more than IOV_MAX buffers");
    TRY(check_user_range(iov, count * sizeof(abi::Iovec)));
    size_t total = 0;
    for (size_t i = 0; i < count; ++i) {
        TRY(check_user_range(iov[i].iov_base, iov[i].iov_len, access));
        total += iov[i].iov_len;
    }
    return total;
}

// One message out of a msghdr's buffers: a stream socket sends buffer by buffer (a short
// send ends it), a datagram socket gathers them into one datagram.
lib::Result<size_t> send_message(net::Socket& socket, const abi::MessageHeader& message, int flags)
{
    size_t total = TRY(total_length(message.msg_iov, message.msg_iovlen, UserAccess::Read));
    SocketAddress to;
    if (message.msg_name && message.msg_namelen)
        TRY(read_address(message.msg_name, message.msg_namelen, to));
    const SocketAddress* destination = to.length ? &to : nullptr;
    if (socket.type() == net::kSocketStream || message.msg_iovlen == 1) {
        size_t sent = 0;
        for (size_t i = 0; i < message.msg_iovlen; ++i) {
            const abi::Iovec& buffer = message.msg_iov[i];
            if (buffer.iov_len == 0)
                continue;
            auto done = socket.send(buffer.iov_base, buffer.iov_len, flags, destination);
            if (done.is_error())
                return sent ? lib::Result<size_t>(sent) : done.error();
            sent += done.value();
            if (done.value() < buffer.iov_len)
                break;
        }
        if (message.msg_iovlen == 0 && socket.type() != net::kSocketStream)
            return socket.send(nullptr, 0, flags, destination); // an empty datagram
        return sent;
    }
    if (total > kMaxGather)
        return lib::Error(lib::Errno::MSGSIZE, "datagram too large");
    auto* gathered = static_cast<uint8_t*>(malloc(total ? total : 1));
    if (!gathered)
        return lib::Error(lib::Errno::NOMEM, "no memory to gather a datagram");
    size_t at = 0;
    for (size_t i = 0; i < message.msg_iovlen; ++i) {
        memcpy(gathered + at, message.msg_iov[i].iov_base, message.msg_iov[i].iov_len);
        at += message.msg_iov[i].iov_len;
    }
    auto sent = socket.send(gathered, total, flags, destination);
    free(gathered);
    return sent;
}

constexpr int kMessageControlTruncated = 0x8; // MSG_CTRUNC

/// IP_PKTINFO's control message (linux/in.h struct in_pktinfo) into msg_control, or
/// MSG_CTRUNC when it does not fit; msg_controllen says what was written.
int write_packet_info(abi::MessageHeader& message, const net::PacketInfo& packet)
{
    struct ControlHeader { // struct cmsghdr
        uint64_t length;
        int32_t level, type;
    };
    struct InPacketInfo {
        int32_t interface_index;
        uint32_t local, destination;
    };
    constexpr size_t kSpace = sizeof(ControlHeader) + 16; // CMSG_SPACE(12): aligned to 8
    if (!message.msg_control || message.msg_controllen < kSpace) {
        message.msg_controllen = 0;
        return kMessageControlTruncated;
    }
    if (check_user_range(message.msg_control, kSpace, UserAccess::Write).is_error()) {
        message.msg_controllen = 0;
        return kMessageControlTruncated;
    }
    auto* bytes = static_cast<uint8_t*>(message.msg_control);
    ControlHeader header { sizeof(ControlHeader) + sizeof(InPacketInfo), net::kLevelIp, net::kIpPacketInfo };
    InPacketInfo info { packet.interface_index, packet.local, packet.destination };
    memset(bytes, 0, kSpace);
    memcpy(bytes, &header, sizeof(header));
    memcpy(bytes + sizeof(header), &info, sizeof(info));
    message.msg_controllen = kSpace;
    return 0;
}

// One message into a msghdr's buffers; fills msg_name, msg_namelen, msg_flags and the
// control messages there are: IP_PKTINFO for a UDP socket that asked for it.
lib::Result<size_t> receive_message(net::Socket& socket, abi::MessageHeader& message, int flags)
{
    size_t total = TRY(total_length(message.msg_iov, message.msg_iovlen, UserAccess::Write));
    SocketAddress from;
    net::PacketInfo packet;
    net::ReceiveInfo info;
    info.from = message.msg_name ? &from : nullptr;
    info.packet = &packet;
    size_t received;
    if (message.msg_iovlen == 1) {
        received = TRY(socket.receive(message.msg_iov[0].iov_base, message.msg_iov[0].iov_len, flags, info));
    } else {
        size_t size = total < kMaxGather ? total : kMaxGather;
        auto* buffer = static_cast<uint8_t*>(malloc(size ? size : 1));
        if (!buffer)
            return lib::Error(lib::Errno::NOMEM, "no memory for a receive buffer");
        auto got = socket.receive(buffer, size, flags, info);
        if (got.is_error()) {
            free(buffer);
            return got.error();
        }
        received = got.value();
        size_t at = 0;
        size_t copy_end = received < size ? received : size; // MSG_TRUNC may report more
        for (size_t i = 0; i < message.msg_iovlen && at < copy_end; ++i) {
            size_t part = copy_end - at < message.msg_iov[i].iov_len ? copy_end - at : message.msg_iov[i].iov_len;
            memcpy(message.msg_iov[i].iov_base, buffer + at, part);
            at += part;
        }
        free(buffer);
    }
    if (message.msg_name) {
        uint32_t length = message.msg_namelen;
        if (from.length)
            TRY(write_address(from, message.msg_name, &length));
        else
            length = 0;
        message.msg_namelen = length;
    }
    int control_flags = 0;
    if (packet.valid)
        control_flags = write_packet_info(message, packet);
    else
        message.msg_controllen = 0;
    message.msg_flags = (info.truncated ? net::MsgTrunc : 0) | control_flags;
    return received;
}

} // namespace

SysResult socket(int domain, int type, int protocol)
{
    int flags = type & ~kTypeMask;
    int kind = type & kTypeMask;
    if (flags & ~(net::kSocketNonBlocking | net::kSocketCloseOnExec))
        return lib::Error(lib::Errno::INVAL, "socket: unknown type flags");
    net::Socket* socket;
    if (domain == net::kFamilyUnix) {
        if (kind != net::kSocketStream && kind != net::kSocketDatagram)
            return lib::Error(lib::Errno::SOCKTNOSUPPORT, "socket: AF_UNIX sockets are SOCK_STREAM or SOCK_DGRAM here");
        if (protocol != 0)
            return lib::Error(lib::Errno::PROTONOSUPPORT, "socket: AF_UNIX takes protocol 0");
        socket = TRY(net::UnixSocket::create(kind));
    } else if (domain == net::kFamilyNetlink) {
        if (kind != net::kSocketRaw && kind != net::kSocketDatagram)
            return lib::Error(lib::Errno::SOCKTNOSUPPORT, "socket: netlink sockets are SOCK_RAW or SOCK_DGRAM");
        socket = TRY(net::NetlinkSocket::create(kind, protocol));
    } else {
        if (domain != net::kFamilyInet && domain != net::kFamilyInet6)
            return lib::Error(lib::Errno::AFNOSUPPORT,
                "socket: address family not supported (AF_INET, AF_INET6, AF_UNIX and AF_NETLINK are)");
        if (kind != net::kSocketStream && kind != net::kSocketDatagram)
            return lib::Error(lib::Errno::SOCKTNOSUPPORT, "socket: type not supported (SOCK_STREAM and SOCK_DGRAM are)");
        int wanted = kind == net::kSocketStream ? kProtocolTcp : kProtocolUdp;
        if (protocol != 0 && protocol != wanted)
            return lib::Error(lib::Errno::PROTONOSUPPORT, "socket: protocol does not match the type");
        TRY(net::ensure_started());
        if (kind == net::kSocketStream)
            socket = TRY(net::TcpSocket::create(domain));
        else
            socket = TRY(net::UdpSocket::create(domain));
    }
    socket->set_open_flags(fs::kOpenReadWrite | (flags & net::kSocketNonBlocking ? fs::kOpenNonBlocking : 0));
    return long(TRY(fs::fd_install(socket, flags & net::kSocketCloseOnExec)));
}

SysResult socketpair(int domain, int type, int protocol, int* fds)
{
    int flags = type & ~kTypeMask;
    int kind = type & kTypeMask;
    if (flags & ~(net::kSocketNonBlocking | net::kSocketCloseOnExec))
        return lib::Error(lib::Errno::INVAL, "socketpair: unknown type flags");
    TRY(check_user_range(fds, 2 * sizeof(int), UserAccess::Write));
    if (domain == net::kFamilyInet || domain == net::kFamilyInet6)
        return lib::Error(lib::Errno::NOTSUP, "socketpair: not for Internet sockets");
    if (domain != net::kFamilyUnix)
        return lib::Error(lib::Errno::AFNOSUPPORT, "socketpair: address family not supported (AF_UNIX is)");
    if (kind != net::kSocketStream && kind != net::kSocketDatagram)
        return lib::Error(lib::Errno::SOCKTNOSUPPORT, "socketpair: type not supported (SOCK_STREAM and SOCK_DGRAM are)");
    if (protocol != 0)
        return lib::Error(lib::Errno::PROTONOSUPPORT, "socketpair: AF_UNIX takes protocol 0");
    net::UnixSocket* ends[2];
    TRY(net::UnixSocket::make_pair(kind, ends[0], ends[1]));
    int open_flags = fs::kOpenReadWrite | (flags & net::kSocketNonBlocking ? fs::kOpenNonBlocking : 0);
    ends[0]->set_open_flags(open_flags);
    ends[1]->set_open_flags(open_flags);
    TRY(fs::fd_install_pair(ends[0], ends[1], flags & net::kSocketCloseOnExec, fds));
    return 0;
}

SysResult bind(int fd, const void* address, uint32_t length)
{
    auto file = TRY(fs::fd_reference(fd));
    net::Socket* socket = TRY(socket_of(*file));
    SocketAddress local;
    TRY(read_address(address, length, local));
    TRY(socket->bind(local));
    return 0;
}

SysResult listen(int fd, int backlog)
{
    auto file = TRY(fs::fd_reference(fd));
    TRY(TRY(socket_of(*file))->listen(backlog));
    return 0;
}

SysResult accept4(int fd, void* address, uint32_t* length, int flags)
{
    if (flags & ~(net::kSocketNonBlocking | net::kSocketCloseOnExec))
        return lib::Error(lib::Errno::INVAL, "accept4: unknown flags");
    if (address && length)
        TRY(check_user_range(length, sizeof(*length), UserAccess::Write));
    auto file = TRY(fs::fd_reference(fd));
    net::Socket* listener = TRY(socket_of(*file));
    SocketAddress peer;
    net::Socket* socket = TRY(listener->accept(&peer));
    socket->set_open_flags(fs::kOpenReadWrite | (flags & net::kSocketNonBlocking ? fs::kOpenNonBlocking : 0));
    auto installed = fs::fd_install(socket, flags & net::kSocketCloseOnExec);
    if (installed.is_error())
        return installed.error(); // the table dropped the connection (EMFILE)
    if (auto written = write_address(peer, address, length); written.is_error()) {
        (void)fs::fd_close(installed.value());
        return written.error();
    }
    return installed.value();
}

SysResult connect(int fd, const void* address, uint32_t length)
{
    auto file = TRY(fs::fd_reference(fd));
    net::Socket* socket = TRY(socket_of(*file));
    SocketAddress remote;
    TRY(read_address(address, length, remote));
    TRY(socket->connect(remote));
    return 0;
}

SysResult sendto(int fd, const void* buffer, size_t length, int flags, const void* address, uint32_t address_length)
{
    auto file = TRY(fs::fd_reference(fd));
    net::Socket* socket = TRY(socket_of(*file));
    TRY(check_user_range(buffer, length));
    SocketAddress to;
    if (address && address_length)
        TRY(read_address(address, address_length, to));
    return long(TRY(socket->send(buffer, length, flags, to.length ? &to : nullptr)));
}

SysResult recvfrom(int fd, void* buffer, size_t length, int flags, void* address, uint32_t* address_length)
{
    auto file = TRY(fs::fd_reference(fd));
    net::Socket* socket = TRY(socket_of(*file));
    TRY(check_user_range(buffer, length, UserAccess::Write));
    SocketAddress from;
    net::ReceiveInfo info;
    info.from = address ? &from : nullptr;
    size_t received = TRY(socket->receive(buffer, length, flags, info));
    if (address && address_length) {
        if (from.length)
            TRY(write_address(from, address, address_length));
        else
            *address_length = 0; // a stream socket names no sender
    }
    return long(received);
}

SysResult sendmsg(int fd, const abi::MessageHeader* message, int flags)
{
    TRY(check_user_range(message, sizeof(*message)));
    auto file = TRY(fs::fd_reference(fd));
    net::Socket* socket = TRY(socket_of(*file));
    return long(TRY(send_message(*socket, *message, flags)));
}

SysResult recvmsg(int fd, abi::MessageHeader* message, int flags)
{
    TRY(check_user_range(message, sizeof(*message), UserAccess::Write));
    auto file = TRY(fs::fd_reference(fd));
    net::Socket* socket = TRY(socket_of(*file));
    return long(TRY(receive_message(*socket, *message, flags)));
}

SysResult sendmmsg(int fd, abi::MultiMessageHeader* messages, unsigned count, int flags)
{
    count = count > 1024 ? 1024 : count; // UIO_MAXIOV, as Linux caps it
    TRY(check_user_range(messages, count * sizeof(*messages), UserAccess::Write));
    auto file = TRY(fs::fd_reference(fd));
    net::Socket* socket = TRY(socket_of(*file));
    unsigned done = 0;
    for (; done < count; ++done) {
        auto sent = send_message(*socket, messages[done].msg_hdr, flags);
        if (sent.is_error())
            return done ? SysResult(done) : sent.error();
        messages[done].msg_len = unsigned(sent.value());
    }
    return long(done);
}

SysResult recvmmsg(int fd, abi::MultiMessageHeader* messages, unsigned count, int flags, const abi::Timespec* timeout)
{
    constexpr int kWaitForOne = 0x10000; // MSG_WAITFORONE
    count = count > 1024 ? 1024 : count;
    TRY(check_user_range(messages, count * sizeof(*messages), UserAccess::Write));
    // Linux's timeout is looked at only after each datagram: it ends the batch, never a wait.
    uint64_t deadline = timeout ? arch::monotonic_ns() + uint64_t(TRY(read_timespec(timeout))) : 0;
    auto file = TRY(fs::fd_reference(fd));
    net::Socket* socket = TRY(socket_of(*file));
    unsigned done = 0;
    for (; done < count; ++done) {
        int these = flags & ~kWaitForOne;
        if (done && (flags & kWaitForOne))
            these |= net::MsgDontWait;
        auto received = receive_message(*socket, messages[done].msg_hdr, these);
        if (received.is_error())
            return done ? SysResult(done) : received.error();
        messages[done].msg_len = unsigned(received.value());
        if (deadline && arch::monotonic_ns() >= deadline)
            return long(done + 1);
    }
    return long(done);
}

SysResult shutdown(int fd, int how)
{
    if (how < 0 || how > 2)
        return lib::Error(lib::Errno::INVAL, "shutdown: how is not SHUT_RD, SHUT_WR or SHUT_RDWR");
    auto file = TRY(fs::fd_reference(fd));
    TRY(TRY(socket_of(*file))->shutdown(how));
    return 0;
}

// getsockname and getpeername: the socket's own or its peer's address into the program's
// (address, *length) pair.
static SysResult socket_name(int fd, void* address, uint32_t* length, bool peer)
{
    auto file = TRY(fs::fd_reference(fd));
    net::Socket* socket = TRY(socket_of(*file));
    TRY(check_user_range(length, sizeof(*length), UserAccess::Write));
    SocketAddress name;
    TRY(peer ? socket->peer_address(name) : socket->local_address(name));
    TRY(write_address(name, address, length));
    return 0;
}

SysResult getsockname(int fd, void* address, uint32_t* length) { return socket_name(fd, address, length, false); }
SysResult getpeername(int fd, void* address, uint32_t* length) { return socket_name(fd, address, length, true); }

SysResult setsockopt(int fd, int level, int name, const void* value, uint32_t length)
{
    auto file = TRY(fs::fd_reference(fd));
    net::Socket* socket = TRY(socket_of(*file));
    if (int32_t(length) < 0)
        return lib::Error(lib::Errno::INVAL, "setsockopt: negative length");
    TRY(check_user_range(value, length));
    TRY(socket->set_option(level, name, value, length));
    return 0;
}

SysResult getsockopt(int fd, int level, int name, void* value, uint32_t* length)
{
    auto file = TRY(fs::fd_reference(fd));
    net::Socket* socket = TRY(socket_of(*file));
    TRY(check_user_range(length, sizeof(*length), UserAccess::Write));
    if (int32_t(*length) < 0)
        return lib::Error(lib::Errno::INVAL, "getsockopt: negative length");
    TRY(check_user_range(value, *length, UserAccess::Write));
    uint32_t room = *length;
    TRY(socket->get_option(level, name, value, room));
    *length = room;
    return 0;
}

namespace {

// linux/sockios.h
enum : unsigned long { kGetName = 0x8910, kGetConfiguration = 0x8912, kGetFlags = 0x8913, kGetAddress = 0x8915,
    kGetBroadcast = 0x8919, kGetNetmask = 0x891b, kGetMtu = 0x8921, kGetHardwareAddress = 0x8927,
    kGetIndex = 0x8933 };

/// struct ifreq (net/if.h): a name, then one of these (24 bytes).
struct InterfaceRequest {
    char name[16];
    union {
        struct {
            uint16_t family;
            uint8_t data[14];
        } address;
        int16_t flags;
        int32_t value; // index, mtu
        uint8_t pad[24];
    };
};
static_assert(sizeof(InterfaceRequest) == 40);

struct InterfaceConfiguration { // struct ifconf
    int32_t length;
    int32_t pad;
    InterfaceRequest* requests;
};

void put_ipv4(InterfaceRequest& request, uint32_t address)
{
    request.address.family = net::kFamilyInet;
    memset(request.address.data, 0, sizeof(request.address.data));
    memcpy(request.address.data + 2, &address, 4); // sockaddr_in: port, then the address
}

SysResult interface_configuration(InterfaceConfiguration* configuration, const net::InterfaceInfo* interfaces,
    size_t count)
{
    TRY(check_user_range(configuration, sizeof(*configuration), UserAccess::Write));
    size_t with_ipv4 = 0;
    for (size_t i = 0; i < count; ++i)
        with_ipv4 += interfaces[i].ipv4 != 0;
    if (!configuration->requests) { // Linux: the size needed
        configuration->length = int32_t(with_ipv4 * sizeof(InterfaceRequest));
        return 0;
    }
    size_t room = configuration->length < 0 ? 0 : size_t(configuration->length) / sizeof(InterfaceRequest);
    TRY(check_user_range(configuration->requests, room * sizeof(InterfaceRequest), UserAccess::Write));
    size_t written = 0;
    for (size_t i = 0; i < count && written < room; ++i) {
        if (!interfaces[i].ipv4)
            continue;
        InterfaceRequest& out = configuration->requests[written++];
        memset(&out, 0, sizeof(out));
        strncpy(out.name, interfaces[i].name, sizeof(out.name) - 1);
        put_ipv4(out, interfaces[i].ipv4);
    }
    configuration->length = int32_t(written * sizeof(InterfaceRequest));
    return 0;
}

} // namespace

bool is_interface_ioctl(unsigned long request)
{
    switch (request) {
    case kGetName: case kGetConfiguration: case kGetFlags: case kGetAddress: case kGetBroadcast: case kGetNetmask:
    case kGetMtu: case kGetHardwareAddress: case kGetIndex:
        return true;
    }
    return false;
}

SysResult interface_ioctl(unsigned long request, uintptr_t argument)
{
    net::InterfaceInfo interfaces[net::kMaxInterfaces];
    size_t count = net::list_interfaces(interfaces, net::kMaxInterfaces);
    if (request == kGetConfiguration)
        return interface_configuration(reinterpret_cast<InterfaceConfiguration*>(argument), interfaces, count);
    auto* ifreq = reinterpret_cast<InterfaceRequest*>(argument);
    TRY(check_user_range(ifreq, sizeof(*ifreq), UserAccess::Write));
    const net::InterfaceInfo* found = nullptr;
    for (size_t i = 0; i < count && !found; ++i) {
        bool match = request == kGetName ? interfaces[i].index == ifreq->value
                                         : strncmp(interfaces[i].name, ifreq->name, sizeof(ifreq->name)) == 0;
        found = match ? &interfaces[i] : nullptr;
    }
    if (!found)
        return lib::Error(lib::Errno::NODEV, "no such network interface");
    switch (request) {
    case kGetName:
        memset(ifreq->name, 0, sizeof(ifreq->name));
        strncpy(ifreq->name, found->name, sizeof(ifreq->name) - 1);
        return 0;
    case kGetIndex: ifreq->value = found->index; return 0;
    case kGetFlags: ifreq->flags = int16_t(found->flags & 0xffff); return 0;
    case kGetMtu: ifreq->value = int32_t(found->mtu); return 0;
    case kGetAddress:
    case kGetNetmask:
    case kGetBroadcast:
        if (!found->ipv4)
            return lib::Error(lib::Errno::ADDRNOTAVAIL, "the interface has no IPv4 address");
        put_ipv4(*ifreq, request == kGetAddress ? found->ipv4
                         : request == kGetNetmask ? found->ipv4_netmask : found->ipv4_broadcast());
        return 0;
    case kGetHardwareAddress:
        ifreq->address.family = found->hardware_type;
        memset(ifreq->address.data, 0, sizeof(ifreq->address.data));
        memcpy(ifreq->address.data, found->hardware_address, sizeof(found->hardware_address));
        return 0;
    }
    return lib::Error(lib::Errno::INVAL, "unknown interface request");
}

} // namespace sys
