#include <net/kernel/unix_socket.h>

#include <kernel/fs/root_fs.h>

#include <cstdlib>
#include <cstring>
#include <new>

namespace net {

namespace {

// Linux's default socket buffer (net.core.wmem_default), the most either direction holds.
constexpr size_t kQueueBytes = 212992;

} // namespace

lib::Result<void> UnixSocket::make_pair(int type, UnixSocket*& first, UnixSocket*& second)
{
    auto* a = new (std::nothrow) UnixSocket(type);
    auto* b = new (std::nothrow) UnixSocket(type);
    bool rings = type != kSocketStream || (a && b && a->m_stream.allocate(kQueueBytes) && b->m_stream.allocate(kQueueBytes));
    if (!a || !b || !rings) {
        delete a;
        delete b;
        return lib::Error(lib::Errno::NOMEM, "socketpair: no memory");
    }
    a->m_peer = b;
    b->m_peer = a;
    first = a;
    second = b;
    return {};
}

lib::Result<UnixSocket*> UnixSocket::create(int type)
{
    auto* socket = new (std::nothrow) UnixSocket(type);
    if (!socket)
        return lib::Error(lib::Errno::NOMEM, "socket: no memory");
    socket->m_unconnected = true;
    return socket;
}

UnixSocket::~UnixSocket()
{
    if (m_peer) { // the other end reads the rest, then end of file; its sends fail
        m_peer->m_peer = nullptr;
        m_peer->m_peer_finished = true;
        m_peer->m_changes.changed();
    }
}

namespace {

constexpr size_t kFamilyBytes = 2; // sun_family

/// Where connecting to `address` (a sockaddr_un) fails: no socket listens anywhere, so a
/// path that exists refuses (ECONNREFUSED, as Linux says for a file no one listens on)
/// and one that does not is ENOENT; an abstract name (sun_path[0] == 0) refuses.
lib::Error connect_failure(const SocketAddress& address)
{
    if (address.length <= kFamilyBytes)
        return lib::Error(lib::Errno::INVAL, "connect: no AF_UNIX address");
    auto* path = reinterpret_cast<const char*>(address.bytes + kFamilyBytes);
    size_t length = strnlen(path, address.length - kFamilyBytes);
    if (length == 0)
        return lib::Error(lib::Errno::CONNREFUSED, "connect: no socket listens on the abstract name");
    auto found = fs::lookup_at(nullptr, std::string_view(path, length), vfs::Follow::Yes);
    if (found.is_error())
        return found.error();
    return lib::Error(lib::Errno::CONNREFUSED, "connect: no socket listens there (named AF_UNIX sockets are not supported yet)");
}

} // namespace

lib::Result<void> UnixSocket::bind(const SocketAddress& address)
{
    if (!m_unconnected)
        return lib::Error(lib::Errno::INVAL, "bind: a socketpair end is connected already");
    if (address.length == kFamilyBytes) // autobind: stays unnamed here
        return {};
    return lib::Error(lib::Errno::NOTSUP, "bind: named AF_UNIX sockets are not supported yet");
}

lib::Result<void> UnixSocket::connect(const SocketAddress& address)
{
    if (!m_unconnected)
        return lib::Error(lib::Errno::ISCONN, "connect: a socketpair end is connected already");
    return connect_failure(address);
}

bool UnixSocket::room_for(size_t length) const
{
    if (stream())
        return m_stream.space() > 0;
    return m_messages.empty() || m_messages.bytes() + length <= kQueueBytes;
}

lib::Result<size_t> UnixSocket::send(const void* data, size_t length, int flags, const SocketAddress* to)
{
    if (flags & MsgOob)
        return lib::Error(lib::Errno::NOTSUP, "send: MSG_OOB on an AF_UNIX socket");
    if (m_unconnected) {
        if (to && !stream())
            return connect_failure(*to);
        return lib::Error(lib::Errno::NOTCONN, "send: the socket is not connected");
    }
    if (!stream() && length > kQueueBytes)
        return lib::Error(lib::Errno::MSGSIZE, "send: datagram larger than the socket buffer");
    auto* bytes = static_cast<const uint8_t*>(data);
    uint64_t deadline = send_deadline();
    size_t sent = 0;
    for (;;) {
        uint32_t seen = m_changes.now();
        if (!stream() && !m_peer && !m_shut_write) // Linux: a datagram to a closed peer is refused
            return lib::Error(lib::Errno::CONNREFUSED, "send: the other end is closed");
        if (m_shut_write || !m_peer || m_peer->m_peer_finished)
            return sent ? lib::Result<size_t>(sent) : broken_pipe(flags);
        UnixSocket& peer = *m_peer;
        if (peer.room_for(length - sent)) {
            if (stream()) {
                sent += peer.m_stream.put(bytes + sent, length - sent);
            } else {
                TRY(peer.m_messages.push(bytes, length));
                sent = length;
            }
            peer.m_changes.changed();
            if (sent == length)
                return sent;
            continue;
        }
        if (should_not_block(flags))
            return sent ? lib::Result<size_t>(sent) : lib::Error(lib::Errno::AGAIN, "send: the other end's queue is full");
        auto waited = wait_for_change(seen, deadline);
        if (waited.is_error())
            return sent ? lib::Result<size_t>(sent) : waited.error();
    }
}

lib::Result<size_t> UnixSocket::receive(void* data, size_t length, int flags, ReceiveInfo& info)
{
    if (flags & MsgOob)
        return lib::Error(lib::Errno::NOTSUP, "recv: MSG_OOB on an AF_UNIX socket");
    if (m_unconnected && stream())
        return lib::Error(lib::Errno::INVAL, "recv: the socket is not connected");
    auto* bytes = static_cast<uint8_t*>(data);
    uint64_t deadline = receive_deadline();
    size_t received = 0;
    bool wait_all = stream() && (flags & MsgWaitAll) && !(flags & MsgPeek);
    for (;;) {
        uint32_t seen = m_changes.now();
        if (stream() && m_stream.size()) {
            size_t n = (flags & MsgPeek) ? m_stream.peek(bytes + received, length - received)
                                         : m_stream.take(bytes + received, length - received);
            received += n;
            if (m_peer && !(flags & MsgPeek))
                m_peer->m_changes.changed(); // room for its next send
            if (!wait_all || received == length)
                return received;
            continue;
        }
        if (!stream() && !m_messages.empty()) {
            size_t size = m_messages.take(bytes, length, flags & MsgPeek);
            info.truncated = size > length;
            if (m_peer && !(flags & MsgPeek))
                m_peer->m_changes.changed();
            if (info.from)
                (void)local_address(*info.from); // unnamed, as the sender is
            return (flags & MsgTrunc) || size < length ? size : length;
        }
        if (m_peer_finished || length == 0)
            return received;
        if (should_not_block(flags))
            return received ? lib::Result<size_t>(received) : lib::Error(lib::Errno::AGAIN, "recv: nothing queued");
        auto waited = wait_for_change(seen, deadline);
        if (waited.is_error())
            return received ? lib::Result<size_t>(received) : waited.error();
    }
}

lib::Result<void> UnixSocket::shutdown(int how)
{
    if (how == 1 || how == 2) {
        m_shut_write = true;
        if (m_peer) {
            m_peer->m_peer_finished = true;
            m_peer->m_changes.changed();
        }
    }
    if (how == 0 || how == 2)
        m_peer_finished = true; // reads end at once (what is queued is still read first)
    m_changes.changed();
    return {};
}

lib::Result<void> UnixSocket::local_address(SocketAddress& out)
{
    out = {};
    uint16_t family = kFamilyUnix;
    memcpy(out.bytes, &family, sizeof(family));
    out.length = sizeof(family); // an unnamed socket: sun_family only
    return {};
}

lib::Result<void> UnixSocket::peer_address(SocketAddress& out)
{
    if (!m_peer || m_unconnected)
        return lib::Error(lib::Errno::NOTCONN, "getpeername: the other end is closed");
    return local_address(out);
}

uint16_t UnixSocket::poll_events(uint16_t requested)
{
    constexpr uint16_t kReadHangUp = 0x2000; // POLLRDHUP
    uint16_t events = 0;
    if (m_unconnected) // nothing can arrive; a stream one has hung up as Linux reports it
        return (stream() ? uint16_t(fs::PollHup | fs::PollOut) : uint16_t(fs::PollOut | fs::PollWrNorm))
            & (requested | fs::PollErr | fs::PollHup);
    if (queued_bytes() || m_peer_finished)
        events |= fs::PollIn | fs::PollRdNorm;
    if (m_peer_finished)
        events |= kReadHangUp;
    if (!m_peer || (m_shut_write && m_peer_finished))
        events |= fs::PollHup;
    if (!m_shut_write && m_peer && m_peer->room_for(1))
        events |= fs::PollOut | fs::PollWrNorm;
    return events & (requested | fs::PollErr | fs::PollHup);
}

lib::Result<size_t> UnixSocket::bytes_readable()
{
    return stream() ? m_stream.size() : m_messages.front_length();
}

lib::Result<void> UnixSocket::set_protocol_option(int level, int name, int)
{
    return lib::Error(lib::Errno::NOPROTOOPT, "setsockopt: option not supported on AF_UNIX sockets");
}

lib::Result<int> UnixSocket::get_protocol_option(int level, int name)
{
    return lib::Error(lib::Errno::NOPROTOOPT, "getsockopt: option not supported on AF_UNIX sockets");
}

} // namespace net
