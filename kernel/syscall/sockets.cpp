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

// Control messages (cmsg(3)): a struct cmsghdr, then the data, each padded to 8 bytes.
struct ControlHeader {
    uint64_t length; // header and data, unpadded
    int32_t level, type;
};
constexpr size_t kControlHeader = sizeof(ControlHeader);
constexpr int kScmRights = 1, kScmCredentials = 2;
constexpr int kMessageControlTruncated = 0x8;   // MSG_CTRUNC
constexpr int kMessageCloseOnExec = 0x40000000; // MSG_CMSG_CLOEXEC
constexpr size_t control_space(size_t data) { return kControlHeader + ((data + 7) & ~size_t(7)); }

/// struct ucred (SCM_CREDENTIALS, SO_PEERCRED).
struct PeerCredentials {
    int32_t pid;
    uint32_t uid, gid;
};

/// The control messages of an AF_UNIX send: SCM_RIGHTS descriptors become counted
/// references in `files`, SCM_CREDENTIALS is checked as Linux checks it (the program's own
/// pid and IDs unless privileged), other levels are ignored. EINVAL for a malformed header
/// or another SOL_SOCKET type, EBADF for a descriptor that is not open. Other sockets
/// ignore control messages on send, as Linux's TCP and UDP ignore these (IP_PKTINFO on
/// send is not built).
lib::Result<void> read_control(const abi::MessageHeader& message, const net::Socket& socket, net::PassedFiles& files)
{
    if (!message.msg_control || message.msg_controllen < kControlHeader || socket.family() != net::kFamilyUnix)
        return {};
    if (message.msg_controllen > (1u << 20))
        return lib::Error(lib::Errno::NOBUFS, "sendmsg: control data larger than 1 MiB");
    TRY(check_user_range(message.msg_control, message.msg_controllen));
    auto* control = static_cast<const uint8_t*>(message.msg_control);
    for (size_t at = 0; at + kControlHeader <= message.msg_controllen;) {
        ControlHeader header;
        memcpy(&header, control + at, sizeof(header));
        if (header.length < kControlHeader || header.length > message.msg_controllen - at)
            return lib::Error(lib::Errno::INVAL, "sendmsg: a control message's length is wrong");
        const uint8_t* data = control + at + kControlHeader;
        size_t data_length = header.length - kControlHeader;
        if (header.level == net::kLevelSocket) {
            if (header.type != kScmRights && header.type != kScmCredentials)
                return lib::Error(lib::Errno::INVAL, "sendmsg: a SOL_SOCKET control message AF_UNIX does not know");
            if (header.type == kScmRights) {
                for (size_t i = 0; i + sizeof(int) <= data_length; i += sizeof(int)) {
                    int fd;
                    memcpy(&fd, data + i, sizeof(fd));
                    TRY(files.add(*TRY(fs::descriptors().get(fd))));
                }
            } else {
                if (data_length < sizeof(PeerCredentials))
                    return lib::Error(lib::Errno::INVAL, "sendmsg: SCM_CREDENTIALS shorter than a struct ucred");
                PeerCredentials claimed;
                memcpy(&claimed, data, sizeof(claimed));
                bool privileged = TRY(getid(IdKind::EffectiveUser)) == 0;
                bool own = claimed.pid == 1 && claimed.uid == uint32_t(TRY(getid(IdKind::RealUser)))
                    && claimed.gid == uint32_t(TRY(getid(IdKind::RealGroup)));
                if (!privileged && !own)
                    return lib::Error(lib::Errno::PERM, "sendmsg: SCM_CREDENTIALS names another identity");
            }
        }
        at += control_space(data_length);
    }
    return {};
}

lib::Result<size_t> send_part(
    net::Socket& socket, const void* data, size_t length, int flags, const SocketAddress* to, net::PassedFiles& files)
{
    if (files.empty())
        return socket.send(data, length, flags, to);
    return socket.send_with_files(data, length, flags, to, files);
}

// One message out of a msghdr's buffers: a stream socket sends buffer by buffer (a short
// send ends it), a datagram socket gathers them into one datagram, and so does a stream
// socket passing files (they go with all the bytes, as Linux sends them in one piece).
lib::Result<size_t> send_message(net::Socket& socket, const abi::MessageHeader& message, int flags)
{
    size_t total = TRY(total_length(message.msg_iov, message.msg_iovlen, UserAccess::Read));
    SocketAddress to;
    if (message.msg_name && message.msg_namelen)
        TRY(read_address(message.msg_name, message.msg_namelen, to));
    const SocketAddress* destination = to.length ? &to : nullptr;
    net::PassedFiles files;
    TRY(read_control(message, socket, files));
    if ((socket.type() == net::kSocketStream && files.empty()) || message.msg_iovlen == 1) {
        size_t sent = 0;
        for (size_t i = 0; i < message.msg_iovlen; ++i) {
            const abi::Iovec& buffer = message.msg_iov[i];
            if (buffer.iov_len == 0)
                continue;
            auto done = send_part(socket, buffer.iov_base, buffer.iov_len, flags, destination, files);
            if (done.is_error())
                return sent ? lib::Result<size_t>(sent) : done.error();
            sent += done.value();
            if (done.value() < buffer.iov_len)
                break;
        }
        if (total == 0 && socket.type() != net::kSocketStream)
            return send_part(socket, nullptr, 0, flags, destination, files); // an empty datagram
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
    auto sent = send_part(socket, gathered, total, flags, destination, files);
    free(gathered);
    return sent;
}

// The control messages of a receive, written into msg_control one after another; what
// does not fit sets MSG_CTRUNC, as Linux's put_cmsg does. A control buffer the program
// cannot write counts as none.
class ControlWriter {
public:
    explicit ControlWriter(abi::MessageHeader& message) : m_message(message)
    {
        if (message.msg_control
            && check_user_range(message.msg_control, message.msg_controllen, UserAccess::Write).is_ok())
            m_room = message.msg_controllen;
    }

    /// Appends one control message with `length` bytes of `data`; false (and MSG_CTRUNC)
    /// when it does not fit whole.
    bool put(int level, int type, const void* data, size_t length)
    {
        if (m_used + kControlHeader + length > m_room) {
            m_flags |= kMessageControlTruncated;
            return false;
        }
        auto* out = static_cast<uint8_t*>(m_message.msg_control) + m_used;
        ControlHeader header { kControlHeader + length, level, type };
        size_t space = control_space(length) < m_room - m_used ? control_space(length) : m_room - m_used;
        memset(out, 0, space);
        memcpy(out, &header, sizeof(header));
        memcpy(out + kControlHeader, data, length);
        m_used += space;
        return true;
    }

    /// SCM_RIGHTS: each file on a new descriptor, as many as fit (the rest are closed when
    /// `files` goes, and MSG_CTRUNC says so).
    void put_files(net::PassedFiles& files, bool close_on_exec)
    {
        int fds[net::PassedFiles::kMax];
        size_t fit = m_room - m_used > kControlHeader ? (m_room - m_used - kControlHeader) / sizeof(int) : 0;
        size_t installed = 0;
        for (; installed < files.count() && installed < fit; ++installed) {
            files.at(installed)->ref(); // the descriptor's reference
            auto fd = fs::descriptors().install(files.at(installed), close_on_exec);
            if (fd.is_error())
                break; // EMFILE: fd_install dropped that reference
            fds[installed] = fd.value();
        }
        if (installed < files.count())
            m_flags |= kMessageControlTruncated;
        if (installed)
            put(net::kLevelSocket, kScmRights, fds, installed * sizeof(int));
    }

    int finish()
    {
        m_message.msg_controllen = m_used;
        return m_flags;
    }

private:
    abi::MessageHeader& m_message;
    size_t m_room = 0, m_used = 0;
    int m_flags = 0;
};

// One message into a msghdr's buffers; fills msg_name, msg_namelen, msg_flags and the
// control messages there are: SCM_RIGHTS for passed files, SCM_CREDENTIALS with
// SO_PASSCRED, IP_PKTINFO for a UDP socket that asked for it.
lib::Result<size_t> receive_message(net::Socket& socket, abi::MessageHeader& message, int flags)
{
    size_t total = TRY(total_length(message.msg_iov, message.msg_iovlen, UserAccess::Write));
    SocketAddress from;
    net::PacketInfo packet;
    net::PassedFiles files;
    net::ReceiveInfo info;
    info.from = message.msg_name ? &from : nullptr;
    info.packet = &packet;
    info.files = message.msg_control ? &files : nullptr; // without room they are dropped
    bool close_on_exec = flags & kMessageCloseOnExec;
    flags &= ~kMessageCloseOnExec;
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
    ControlWriter control(message);
    if (socket.family() == net::kFamilyUnix && socket.passes_credentials()) {
        PeerCredentials sender { 1, uint32_t(TRY(getid(IdKind::RealUser))), uint32_t(TRY(getid(IdKind::RealGroup))) };
        control.put(net::kLevelSocket, kScmCredentials, &sender, sizeof(sender));
    }
    if (!files.empty())
        control.put_files(files, close_on_exec);
    if (packet.valid) {
        struct InPacketInfo { // struct in_pktinfo (linux/in.h)
            int32_t interface_index;
            uint32_t local, destination;
        } in { packet.interface_index, packet.local, packet.destination };
        control.put(net::kLevelIp, net::kIpPacketInfo, &in, sizeof(in));
    }
    // Linux starts msg_flags from the caller's MSG_CMSG_CLOEXEC.
    message.msg_flags
        = (info.truncated ? net::MsgTrunc : 0) | control.finish() | (close_on_exec ? kMessageCloseOnExec : 0);
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
        if (kind != net::kSocketStream && kind != net::kSocketDatagram && kind != net::kSocketSeqPacket)
            return lib::Error(
                lib::Errno::SOCKTNOSUPPORT, "socket: AF_UNIX sockets are SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET");
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
            return lib::Error(
                lib::Errno::SOCKTNOSUPPORT, "socket: type not supported (SOCK_STREAM and SOCK_DGRAM are)");
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
    return long(TRY(fs::descriptors().install(socket, flags & net::kSocketCloseOnExec)));
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
    if (kind != net::kSocketStream && kind != net::kSocketDatagram && kind != net::kSocketSeqPacket)
        return lib::Error(
            lib::Errno::SOCKTNOSUPPORT, "socketpair: type not supported (SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET are)");
    if (protocol != 0)
        return lib::Error(lib::Errno::PROTONOSUPPORT, "socketpair: AF_UNIX takes protocol 0");
    net::UnixSocket* ends[2];
    TRY(net::UnixSocket::make_pair(kind, ends[0], ends[1]));
    int open_flags = fs::kOpenReadWrite | (flags & net::kSocketNonBlocking ? fs::kOpenNonBlocking : 0);
    ends[0]->set_open_flags(open_flags);
    ends[1]->set_open_flags(open_flags);
    TRY(fs::descriptors().install_pair(ends[0], ends[1], flags & net::kSocketCloseOnExec, fds));
    return 0;
}

SysResult bind(int fd, const void* address, uint32_t length)
{
    auto file = TRY(fs::descriptors().get(fd));
    net::Socket* socket = TRY(socket_of(*file));
    SocketAddress local;
    TRY(read_address(address, length, local));
    TRY(socket->bind(local));
    return 0;
}

SysResult listen(int fd, int backlog)
{
    auto file = TRY(fs::descriptors().get(fd));
    TRY(TRY(socket_of(*file))->listen(backlog));
    return 0;
}

SysResult accept4(int fd, void* address, uint32_t* length, int flags)
{
    if (flags & ~(net::kSocketNonBlocking | net::kSocketCloseOnExec))
        return lib::Error(lib::Errno::INVAL, "accept4: unknown flags");
    if (address && length)
        TRY(check_user_range(length, sizeof(*length), UserAccess::Write));
    auto file = TRY(fs::descriptors().get(fd));
    net::Socket* listener = TRY(socket_of(*file));
    SocketAddress peer;
    net::Socket* socket = TRY(listener->accept(&peer));
    socket->set_open_flags(fs::kOpenReadWrite | (flags & net::kSocketNonBlocking ? fs::kOpenNonBlocking : 0));
    // The address first, as Linux's accept: a descriptor, once installed, is the program's
    // (another thread may already use it), so nothing may close it behind its back.
    if (auto written = write_address(peer, address, length); written.is_error()) {
        socket->unref(); // the connection is dropped
        return written.error();
    }
    auto installed = fs::descriptors().install(socket, flags & net::kSocketCloseOnExec);
    if (installed.is_error())
        return installed.error(); // the table dropped the connection (EMFILE)
    return installed.value();
}

SysResult connect(int fd, const void* address, uint32_t length)
{
    auto file = TRY(fs::descriptors().get(fd));
    net::Socket* socket = TRY(socket_of(*file));
    SocketAddress remote;
    TRY(read_address(address, length, remote));
    TRY(socket->connect(remote));
    return 0;
}

SysResult sendto(int fd, const void* buffer, size_t length, int flags, const void* address, uint32_t address_length)
{
    auto file = TRY(fs::descriptors().get(fd));
    net::Socket* socket = TRY(socket_of(*file));
    TRY(check_user_range(buffer, length));
    SocketAddress to;
    if (address && address_length)
        TRY(read_address(address, address_length, to));
    return long(TRY(socket->send(buffer, length, flags, to.length ? &to : nullptr)));
}

SysResult recvfrom(int fd, void* buffer, size_t length, int flags, void* address, uint32_t* address_length)
{
    auto file = TRY(fs::descriptors().get(fd));
    net::Socket* socket = TRY(socket_of(*file));
    TRY(check_user_range(buffer, length, UserAccess::Write));
    SocketAddress from;
    net::ReceiveInfo info;
    info.from = address ? &from : nullptr;
    size_t received = TRY(socket->receive(buffer, length, flags, info));
    if (address && address_length) {
        if (from.length) {
            TRY(write_address(from, address, address_length));
        } else {
            TRY(check_user_range(address_length, sizeof(*address_length), UserAccess::Write));
            *address_length = 0; // a stream socket names no sender
        }
    }
    return long(received);
}

SysResult sendmsg(int fd, const abi::MessageHeader* message, int flags)
{
    TRY(check_user_range(message, sizeof(*message)));
    auto file = TRY(fs::descriptors().get(fd));
    net::Socket* socket = TRY(socket_of(*file));
    return long(TRY(send_message(*socket, *message, flags)));
}

SysResult recvmsg(int fd, abi::MessageHeader* message, int flags)
{
    TRY(check_user_range(message, sizeof(*message), UserAccess::Write));
    auto file = TRY(fs::descriptors().get(fd));
    net::Socket* socket = TRY(socket_of(*file));
    return long(TRY(receive_message(*socket, *message, flags)));
}

SysResult sendmmsg(int fd, abi::MultiMessageHeader* messages, unsigned count, int flags)
{
    count = count > 1024 ? 1024 : count; // UIO_MAXIOV, as Linux caps it
    TRY(check_user_range(messages, count * sizeof(*messages), UserAccess::Write));
    auto file = TRY(fs::descriptors().get(fd));
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
    auto file = TRY(fs::descriptors().get(fd));
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
    auto file = TRY(fs::descriptors().get(fd));
    TRY(TRY(socket_of(*file))->shutdown(how));
    return 0;
}

// getsockname and getpeername: the socket's own or its peer's address into the program's
// (address, *length) pair.
static SysResult socket_name(int fd, void* address, uint32_t* length, bool peer)
{
    auto file = TRY(fs::descriptors().get(fd));
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
    auto file = TRY(fs::descriptors().get(fd));
    net::Socket* socket = TRY(socket_of(*file));
    if (int32_t(length) < 0)
        return lib::Error(lib::Errno::INVAL, "setsockopt: negative length");
    TRY(check_user_range(value, length));
    TRY(socket->set_option(level, name, value, length));
    return 0;
}

SysResult getsockopt(int fd, int level, int name, void* value, uint32_t* length)
{
    auto file = TRY(fs::descriptors().get(fd));
    net::Socket* socket = TRY(socket_of(*file));
    TRY(check_user_range(length, sizeof(*length), UserAccess::Write));
    if (int32_t(*length) < 0)
        return lib::Error(lib::Errno::INVAL, "getsockopt: negative length");
    TRY(check_user_range(value, *length, UserAccess::Write));
    if (level == net::kLevelSocket && name == net::SoPeerCred) { // struct ucred, as Linux fills it
        PeerCredentials peer { 0, 65534, 65534 };                // no peer process: overflow IDs
        if (socket->peer_is_local())
            peer = { 1, uint32_t(TRY(getid(IdKind::EffectiveUser))), uint32_t(TRY(getid(IdKind::EffectiveGroup))) };
        uint32_t room = *length < sizeof(peer) ? *length : uint32_t(sizeof(peer));
        memcpy(value, &peer, room);
        *length = room;
        return 0;
    }
    uint32_t room = *length;
    TRY(socket->get_option(level, name, value, room));
    *length = room;
    return 0;
}

namespace {

// linux/sockios.h
enum : unsigned long {
    kGetName = 0x8910,
    kGetConfiguration = 0x8912,
    kGetFlags = 0x8913,
    kGetAddress = 0x8915,
    kGetBroadcast = 0x8919,
    kGetNetmask = 0x891b,
    kGetMtu = 0x8921,
    kGetHardwareAddress = 0x8927,
    kGetIndex = 0x8933
};

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

SysResult interface_configuration(
    InterfaceConfiguration* configuration, const net::InterfaceInfo* interfaces, size_t count)
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
    case kGetName:
    case kGetConfiguration:
    case kGetFlags:
    case kGetAddress:
    case kGetBroadcast:
    case kGetNetmask:
    case kGetMtu:
    case kGetHardwareAddress:
    case kGetIndex: return true;
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
        put_ipv4(*ifreq,
            request == kGetAddress       ? found->ipv4
                : request == kGetNetmask ? found->ipv4_netmask
                                         : found->ipv4_broadcast());
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
