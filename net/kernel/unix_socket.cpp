#include <net/kernel/unix_socket.h>

#include <net/kernel/stack.h>

#include <kernel/arch/x86_64/tsc.h>
#include <kernel/fs/root_fs.h>

#include <fmt/format.h>

#include <cstdlib>
#include <cstring>
#include <new>

namespace net {

namespace {

// Linux's default socket buffer (net.core.wmem_default): the most a stream direction or a
// message queue holds.
constexpr size_t kQueueBytes = 212992;
// listen(2)'s backlog is capped at net.core.somaxconn.
constexpr unsigned kMaxBacklog = 4096;

UnixNames& names() { return unix_names(); }

/// Sleeps until the VM's AF_UNIX room counter moves past `seen`, or `deadline` (0: none)
/// passes: AGAIN then, as for an expired SO_SNDTIMEO; INTR for a signal.
lib::Result<void> wait_for_room(uint32_t seen, uint64_t deadline)
{
    if (deadline && arch::monotonic_ns() >= deadline)
        return lib::Error(lib::Errno::AGAIN, "send timeout (SO_SNDTIMEO) expired while the peer was full");
    return ended_by_signal_for_good(names().room().wait_until(seen, deadline), deadline);
}

} // namespace

// ---- the abstract namespace ----

lib::Result<void> UnixNames::add(UnixSocket& socket)
{
    if (find(socket.name()))
        return lib::Error(lib::Errno::ADDRINUSE, "bind: the abstract name is taken");
    m_sockets.push_back(&socket);
    return {};
}

UnixSocket* UnixNames::find(const UnixName& name) const
{
    for (UnixSocket* socket = m_sockets.front(); socket; socket = m_sockets.next(socket))
        if (socket->name() == name)
            return socket;
    return nullptr;
}

lib::Result<UnixName> UnixNames::unused_name()
{
    constexpr uint32_t kNames = 1u << 20;
    for (uint32_t tries = 0; tries < kNames; ++tries) {
        UnixName name;
        name.kind = UnixName::Kind::Abstract;
        name.length
            = uint8_t(fmt::format_to_n(name.bytes, sizeof(name.bytes), "{:05x}", m_next_autobind++ % kNames).size);
        if (!find(name))
            return name;
    }
    return lib::Error(lib::Errno::ADDRINUSE, "bind: every autobind name is taken");
}

// ---- making and ending sockets ----

lib::Result<void> UnixSocket::allocate_queue()
{
    if (stream() && !m_stream.capacity() && !m_stream.allocate(kQueueBytes))
        return lib::Error(lib::Errno::NOMEM, "no memory for an AF_UNIX socket's queue");
    return {};
}

lib::Result<void> UnixSocket::make_pair(int type, UnixSocket*& first, UnixSocket*& second)
{
    auto* a = new (std::nothrow) UnixSocket(type);
    auto* b = new (std::nothrow) UnixSocket(type);
    if (!a || !b || a->allocate_queue().is_error() || b->allocate_queue().is_error()) {
        delete a;
        delete b;
        return lib::Error(lib::Errno::NOMEM, "socketpair: no memory");
    }
    a->m_peer = b;
    b->m_peer = a;
    a->m_connected = b->m_connected = true;
    first = a;
    second = b;
    return {};
}

lib::Result<UnixSocket*> UnixSocket::create(int type)
{
    auto* socket = new (std::nothrow) UnixSocket(type);
    if (!socket)
        return lib::Error(lib::Errno::NOMEM, "socket: no memory");
    return socket;
}

UnixSocket::~UnixSocket()
{
    while (UnixSocket* end = m_pending.pop_front()) // connections never accepted: reset
        end->unref();
    if (m_peer) { // the other end reads the rest, then end of file; its sends fail
        // Linux: a connection closed with unread data, or never accepted, is reset. A
        // datagram peer sees nothing until its next send (ECONNREFUSED).
        if (connection_oriented() && (queued_bytes() || !m_accepted))
            m_peer->m_error = int(lib::Errno::CONNRESET);
        m_peer->m_peer = nullptr;
        if (connection_oriented())
            m_peer->m_peer_finished = true;
        m_peer->m_changes.changed();
    }
    if (m_listening || m_sender_waits)
        names().room().changed(); // waiting connects and sends look again, and fail
    drop_name();
    while (FileMark* mark = m_marks) {
        m_marks = mark->next;
        delete mark; // files in flight to this socket are closed
    }
}

void UnixSocket::drop_name()
{
    if (m_node && m_node->endpoint_record() == this)
        m_node->set_endpoint_record(nullptr); // the name stays in the tree, refusing
    m_node = nullptr;
    if (abstract_link.linked())
        names().remove(*this);
}

// ---- names ----

lib::Result<void> UnixSocket::take_name(const UnixName& name)
{
    if (name.kind == UnixName::Kind::Path) {
        m_node = TRY(fs::create_socket_node(name.view()));
        m_node->set_endpoint_record(this);
        m_name = name;
        return {};
    }
    m_name = name;
    auto added = names().add(*this);
    if (added.is_error())
        m_name = {};
    return added;
}

lib::Result<void> UnixSocket::bind(const SocketAddress& address)
{
    UnixName name = TRY(unix_name_from(address));
    if (name.kind == UnixName::Kind::Unnamed && m_name.kind != UnixName::Kind::Unnamed)
        return {}; // autobind of a named socket: Linux leaves the name
    if (m_name.kind != UnixName::Kind::Unnamed)
        return lib::Error(lib::Errno::INVAL, "bind: the socket has a name already");
    if (name.kind == UnixName::Kind::Unnamed) // sun_family alone: Linux's autobind
        name = TRY(names().unused_name());
    return take_name(name);
}

lib::Result<UnixSocket*> UnixSocket::find_bound(const UnixName& name) const
{
    UnixSocket* found = nullptr;
    switch (name.kind) {
    case UnixName::Kind::Unnamed: return lib::Error(lib::Errno::INVAL, "AF_UNIX address without a name");
    case UnixName::Kind::Abstract: found = names().find(name); break;
    case UnixName::Kind::Path: {
        auto node = TRY(fs::lookup_at(nullptr, name.view(), vfs::Follow::Yes));
        if (node->type() == vfs::NodeType::Socket)
            found = static_cast<UnixSocket*>(node->endpoint_record());
        break;
    }
    }
    if (!found)
        return lib::Error(lib::Errno::CONNREFUSED, "no AF_UNIX socket is bound to that name");
    if (found->type() != type())
        return lib::Error(lib::Errno::PROTOTYPE, "the socket bound to that name is of another type");
    return found;
}

lib::Result<void> UnixSocket::local_address(SocketAddress& out)
{
    socket_address_from(m_name, out);
    return {};
}

lib::Result<void> UnixSocket::peer_address(SocketAddress& out)
{
    if (m_destination.kind != UnixName::Kind::Unnamed) {
        socket_address_from(m_destination, out);
        return {};
    }
    if (!m_connected)
        return lib::Error(lib::Errno::NOTCONN, "getpeername: the socket is not connected");
    socket_address_from(m_peer_name, out);
    return {};
}

// ---- connections ----

lib::Result<void> UnixSocket::listen(int backlog)
{
    if (!connection_oriented())
        return lib::Error(lib::Errno::NOTSUP, "listen: not a stream or seqpacket socket");
    if (m_connected)
        return lib::Error(lib::Errno::INVAL, "listen: the socket is connected");
    if (m_name.kind == UnixName::Kind::Unnamed)
        return lib::Error(lib::Errno::INVAL, "listen: the socket has no name (bind first)");
    unsigned wanted = unsigned(backlog) > kMaxBacklog ? kMaxBacklog : unsigned(backlog);
    if (m_listening && wanted > m_backlog)
        names().room().changed();
    m_backlog = wanted;
    m_listening = true;
    m_changes.changed();
    return {};
}

lib::Result<void> UnixSocket::connect_to(UnixSocket& listener)
{
    auto* server = new (std::nothrow) UnixSocket(type());
    if (!server)
        return lib::Error(lib::Errno::NOMEM, "connect: no memory");
    if (server->allocate_queue().is_error() || allocate_queue().is_error()) {
        delete server;
        return lib::Error(lib::Errno::NOMEM, "connect: no memory for the connection's queues");
    }
    server->m_name = listener.m_name; // getsockname on the accepted socket: the listener's
    server->m_peer = this;
    server->m_peer_name = m_name;
    server->m_connected = true;
    server->m_accepted = false;
    m_peer = server;
    m_peer_name = listener.m_name;
    m_connected = true;
    listener.m_pending.push_back(server);
    ++listener.m_pending_count;
    listener.m_changes.changed();
    m_changes.changed();
    return {};
}

lib::Result<void> UnixSocket::connect(const SocketAddress& address)
{
    uint16_t family = 0;
    memcpy(&family, address.bytes, address.length < sizeof(family) ? address.length : sizeof(family));
    if (!connection_oriented() && family == kFamilyUnspecified && address.length >= sizeof(family)) {
        m_destination = {}; // Linux: AF_UNSPEC dissolves a datagram socket's association
        return {};
    }
    UnixName name = TRY(unix_name_from(address));
    if (!connection_oriented()) {
        UnixSocket* target = TRY(find_bound(name));
        if (target->m_destination.kind != UnixName::Kind::Unnamed && !(target->m_destination == m_name))
            return lib::Error(lib::Errno::PERM, "connect: that socket is connected to another");
        m_destination = name;
        return {};
    }
    uint64_t deadline = send_deadline();
    for (;;) { // checked again after each sleep: another thread may have used this socket
        if (m_listening)
            return lib::Error(lib::Errno::INVAL, "connect: the socket listens");
        if (m_connected)
            return lib::Error(lib::Errno::ISCONN, "connect: the socket is connected already");
        uint32_t seen = names().room().now();
        UnixSocket* listener = TRY(find_bound(name));
        if (!listener->m_listening)
            return lib::Error(lib::Errno::CONNREFUSED, "connect: the socket bound there does not listen");
        if (listener->m_pending_count <= listener->m_backlog) // Linux lets backlog + 1 wait
            return connect_to(*listener);
        if (non_blocking())
            return lib::Error(lib::Errno::AGAIN, "connect: the listener's backlog is full");
        TRY(wait_for_room(seen, deadline));
    }
}

lib::Result<Socket*> UnixSocket::accept(SocketAddress* peer)
{
    if (!connection_oriented())
        return lib::Error(lib::Errno::NOTSUP, "accept: not a stream or seqpacket socket");
    if (!m_listening)
        return lib::Error(lib::Errno::INVAL, "accept: the socket does not listen");
    uint64_t deadline = receive_deadline();
    for (;;) {
        uint32_t seen = m_changes.now();
        if (UnixSocket* server = m_pending.pop_front()) {
            --m_pending_count;
            server->m_accepted = true;
            names().room().changed(); // room in the backlog for a waiting connect
            if (peer)
                socket_address_from(server->m_peer_name, *peer);
            return static_cast<Socket*>(server); // the queue's reference goes to the caller
        }
        if (non_blocking())
            return lib::Error(lib::Errno::AGAIN, "accept: no connection is waiting");
        TRY(wait_for_change(seen, deadline));
    }
}

lib::Result<void> UnixSocket::shutdown(int how)
{
    bool reaches_peer = m_peer && connection_oriented(); // Linux leaves a datagram peer alone
    if (how == 1 || how == 2) {
        m_shut_write = true;
        if (reaches_peer)
            m_peer->m_peer_finished = true;
    }
    if (how == 0 || how == 2)
        m_peer_finished = true; // reads end at once (what is queued is still read first)
    if (reaches_peer)
        m_peer->m_changes.changed(); // its reads see the end; its blocked sends, EPIPE
    m_changes.changed();
    return {};
}

// ---- sending ----

bool UnixSocket::room_for(size_t length) const
{
    if (stream())
        return m_stream.space() > 0;
    return m_messages.empty() || m_messages.bytes() + length <= kQueueBytes;
}

void UnixSocket::made_room()
{
    if (m_peer)
        m_peer->m_changes.changed();
    // Datagram senders that reached this socket by name may wait in send or poll for
    // POLLOUT: the namespace's counter moves (change_count() includes it).
    if (m_sender_waits || !connection_oriented()) {
        m_sender_waits = false;
        names().room().changed();
    }
}

uint32_t UnixSocket::change_count() const
{
    // A datagram socket's POLLOUT depends on receivers it holds no pointer to.
    return connection_oriented() ? m_changes.now() : m_changes.now() + names().room().now();
}

lib::Result<size_t> UnixSocket::send(const void* data, size_t length, int flags, const SocketAddress* to)
{
    return send_data(data, length, flags, to, nullptr);
}

lib::Result<size_t> UnixSocket::send_with_files(
    const void* data, size_t length, int flags, const SocketAddress* to, PassedFiles& files)
{
    return send_data(data, length, flags, to, &files);
}

lib::Result<size_t> UnixSocket::send_data(
    const void* data, size_t length, int flags, const SocketAddress* to, PassedFiles* files)
{
    if (flags & MsgOob)
        return lib::Error(lib::Errno::NOTSUP, "send: MSG_OOB on an AF_UNIX socket");
    auto* bytes = static_cast<const uint8_t*>(data);
    if (stream()) {
        if (to)
            return m_connected ? lib::Error(lib::Errno::ISCONN, "sendto: an address on a connected stream")
                               : lib::Error(lib::Errno::NOTSUP, "sendto: an address on a stream socket");
        return send_stream(bytes, length, flags, files);
    }
    return send_message(bytes, length, flags, type() == kSocketSeqPacket ? nullptr : to, files);
}

lib::Result<size_t> UnixSocket::send_stream(const uint8_t* bytes, size_t length, int flags, PassedFiles* files)
{
    if (!m_connected)
        return lib::Error(lib::Errno::NOTCONN, "send: the socket is not connected");
    uint64_t deadline = send_deadline();
    size_t sent = 0;
    while (sent < length) {
        uint32_t seen = m_changes.now();
        if (m_shut_write || !m_peer || m_peer->m_peer_finished)
            return sent ? lib::Result<size_t>(sent) : broken_pipe(flags);
        UnixSocket& peer = *m_peer;
        if (peer.m_stream.space()) {
            FileMark* mark = nullptr;
            if (files && !files->empty()) { // the files go with this send's first bytes
                mark = new (std::nothrow) FileMark { nullptr, 0, 0, {} };
                if (!mark)
                    return lib::Error(lib::Errno::NOBUFS, "sendmsg: no memory for SCM_RIGHTS");
                mark->files.take_from(*files);
            }
            size_t put = peer.m_stream.put(bytes + sent, length - sent);
            if (mark) {
                mark->start = peer.m_stream_written;
                mark->end = peer.m_stream_written + put;
                (peer.m_last_mark ? peer.m_last_mark->next : peer.m_marks) = mark;
                peer.m_last_mark = mark;
            }
            peer.m_stream_written += put;
            sent += put;
            peer.m_changes.changed();
            continue;
        }
        if (should_not_block(flags))
            return sent ? lib::Result<size_t>(sent)
                        : lib::Error(lib::Errno::AGAIN, "send: the other end's queue is full");
        auto waited = wait_for_change(seen, deadline);
        if (waited.is_error())
            return sent ? lib::Result<size_t>(sent) : waited.error();
    }
    return sent;
}

lib::Result<UnixSocket*> UnixSocket::datagram_target(const SocketAddress* to) const
{
    if (to)
        return find_bound(TRY(unix_name_from(*to)));
    if (m_destination.kind != UnixName::Kind::Unnamed) {
        auto target = find_bound(m_destination);
        if (target.is_error()) // Linux: the connected peer went away
            return lib::Error(lib::Errno::CONNREFUSED, "send: the connected socket is gone");
        return target;
    }
    if (m_connected) {
        if (!m_peer)
            return lib::Error(lib::Errno::CONNREFUSED, "send: the other end is closed");
        return m_peer;
    }
    return lib::Error(lib::Errno::NOTCONN, "send: the socket is not connected");
}

lib::Result<size_t> UnixSocket::send_message(
    const uint8_t* bytes, size_t length, int flags, const SocketAddress* to, PassedFiles* files)
{
    if (type() == kSocketSeqPacket && !m_connected)
        return lib::Error(lib::Errno::NOTCONN, "send: the socket is not connected");
    if (length > kQueueBytes)
        return lib::Error(lib::Errno::MSGSIZE, "send: message larger than the socket buffer");
    uint64_t deadline = send_deadline();
    SocketAddress from;
    if (m_name.kind != UnixName::Kind::Unnamed)
        socket_address_from(m_name, from);
    for (;;) {
        uint32_t seen_room = names().room().now(), seen = m_changes.now();
        if (m_shut_write || (type() == kSocketSeqPacket && (!m_peer || m_peer->m_peer_finished)))
            return broken_pipe(flags);
        UnixSocket* target = TRY(datagram_target(to));
        if (target != m_peer && target->m_connected && target->m_peer != this)
            return lib::Error(lib::Errno::PERM, "send: that socket is connected to another");
        if (target != m_peer && target->m_destination.kind != UnixName::Kind::Unnamed
            && !(target->m_destination == m_name))
            return lib::Error(lib::Errno::PERM, "send: that socket is connected to another");
        if (target->m_peer_finished && target == m_peer)
            return lib::Error(lib::Errno::PIPE, "send: the other end shut down reading");
        if (target->room_for(length)) {
            TRY(target->m_messages.push(bytes, length, &from, files));
            target->m_changes.changed();
            return length;
        }
        if (should_not_block(flags))
            return lib::Error(lib::Errno::AGAIN, "send: the receiving socket's queue is full");
        if (target == m_peer) {
            TRY(wait_for_change(seen, deadline)); // the peer's reads bump this socket's counter
        } else {
            target->m_sender_waits = true;
            TRY(wait_for_room(seen_room, deadline));
        }
    }
}

// ---- receiving ----

lib::Result<size_t> UnixSocket::receive(void* data, size_t length, int flags, ReceiveInfo& info)
{
    if (flags & MsgOob)
        return lib::Error(lib::Errno::NOTSUP, "recv: MSG_OOB on an AF_UNIX socket");
    auto* bytes = static_cast<uint8_t*>(data);
    if (stream())
        return receive_stream(bytes, length, flags, info);
    if (type() == kSocketSeqPacket && !m_connected)
        return lib::Error(lib::Errno::NOTCONN, "recv: the socket is not connected");
    bool peek = flags & MsgPeek;
    uint64_t deadline = receive_deadline();
    for (;;) {
        uint32_t seen = m_changes.now();
        if (!m_messages.empty()) {
            SocketAddress from;
            size_t size = m_messages.take(bytes, length, peek, &from, info.files);
            info.truncated = size > length;
            if (info.from)
                *info.from = from; // length 0 from an unnamed sender, as Linux reports it
            if (!peek)
                made_room();
            return (flags & MsgTrunc) || size < length ? size : length;
        }
        if (int error = take_error())
            return lib::Error(lib::Errno(error), "recv: the connection was reset");
        if (m_peer_finished)
            return 0;
        if (should_not_block(flags))
            return lib::Error(lib::Errno::AGAIN, "recv: nothing queued");
        TRY(wait_for_change(seen, deadline));
    }
}

lib::Result<size_t> UnixSocket::receive_stream(uint8_t* bytes, size_t length, int flags, ReceiveInfo& info)
{
    if (!m_connected)
        return lib::Error(lib::Errno::INVAL, "recv: the socket is not connected");
    bool peek = flags & MsgPeek;
    bool wait_all = (flags & MsgWaitAll) && !peek;
    uint64_t deadline = receive_deadline();
    size_t received = 0;
    for (;;) {
        uint32_t seen = m_changes.now();
        if (m_stream.size() && received < length) {
            // Bytes that carried files end the read (their files come with it); plain
            // bytes before them are read on into them, as Linux's stream reads do.
            size_t limit = length - received;
            FileMark* mark = m_marks;
            bool carries_files = mark && mark->start <= m_stream_read;
            if (carries_files) {
                limit = limit < mark->end - m_stream_read ? limit : size_t(mark->end - m_stream_read);
                for (size_t i = 0; peek && info.files && i < mark->files.count(); ++i)
                    (void)info.files->add(*mark->files.at(i)); // Linux duplicates them on a peek
                if (!peek) {
                    if (info.files)
                        info.files->take_from(mark->files);
                    m_marks = mark->next;
                    if (!m_marks)
                        m_last_mark = nullptr;
                    delete mark; // files nobody took are closed
                }
            } else if (mark) {
                limit = limit < mark->start - m_stream_read ? limit : size_t(mark->start - m_stream_read);
            }
            size_t n = peek ? m_stream.peek(bytes + received, limit) : m_stream.take(bytes + received, limit);
            received += n;
            if (!peek) {
                m_stream_read += n;
                made_room();
            }
            if (carries_files || peek)
                return received;
            continue;
        }
        if (received && !wait_all)
            return received;
        if (received == length)
            return received;
        if (!received)
            if (int error = take_error())
                return lib::Error(lib::Errno(error), "recv: the connection was reset");
        if (m_peer_finished)
            return received;
        if (should_not_block(flags))
            return received ? lib::Result<size_t>(received) : lib::Error(lib::Errno::AGAIN, "recv: nothing queued");
        auto waited = wait_for_change(seen, deadline);
        if (waited.is_error())
            return received ? lib::Result<size_t>(received) : waited.error();
    }
}

int UnixSocket::take_error()
{
    int error = m_error;
    m_error = 0;
    return error;
}

// ---- readiness and options ----

uint16_t UnixSocket::poll_events(uint16_t requested)
{
    constexpr uint16_t kReadHangUp = 0x2000; // POLLRDHUP
    uint16_t events = 0;
    if (m_listening) {
        if (!m_pending.empty())
            events |= fs::PollIn | fs::PollRdNorm;
    } else if (connection_oriented() && !m_connected) { // never connected: Linux says hung up
        events = fs::PollHup | fs::PollOut | fs::PollWrNorm;
    } else {
        if (queued_bytes() || !m_messages.empty() || m_peer_finished || m_error)
            events |= fs::PollIn | fs::PollRdNorm;
        if (m_error)
            events |= fs::PollErr;
        if (m_peer_finished)
            events |= kReadHangUp;
        if (connection_oriented() && (!m_peer || (m_shut_write && m_peer_finished)))
            events |= fs::PollHup;
        bool writable;
        if (m_shut_write) {
            writable = false;
        } else if (connection_oriented()) {
            writable = m_peer && m_peer->room_for(1);
        } else if (!m_connected && m_destination.kind == UnixName::Kind::Unnamed) {
            writable = true; // each send names its receiver
        } else {             // a send to a peer that is gone fails at once: writable too
            auto target = datagram_target(nullptr);
            writable = target.is_error() || target.value()->room_for(1);
        }
        if (writable)
            events |= fs::PollOut | fs::PollWrNorm;
    }
    return events & (requested | fs::PollErr | fs::PollHup);
}

lib::Result<size_t> UnixSocket::bytes_readable() { return stream() ? m_stream.size() : m_messages.front_length(); }

// SOL_SOCKET options the socket itself does not use (SO_REUSEADDR, SO_KEEPALIVE...): Linux
// accepts every one on an AF_UNIX socket, so they are kept for getsockopt.
lib::Result<void> UnixSocket::set_protocol_option(int level, int name, int value)
{
    if (level == kLevelSocket)
        return keep_option(level, name, value);
    return lib::Error(lib::Errno::NOTSUP, "setsockopt: AF_UNIX sockets have only SOL_SOCKET options");
}

lib::Result<int> UnixSocket::get_protocol_option(int level, int name)
{
    if (level == kLevelSocket)
        return kept_option(level, name);
    return lib::Error(lib::Errno::NOTSUP, "getsockopt: AF_UNIX sockets have only SOL_SOCKET options");
}

} // namespace net
