#include <net/kernel/tcp_socket.h>

#include <net/kernel/socket_address.h>
#include <net/kernel/stack.h>

#include <lwip/priv/tcp_priv.h>
#include <lwip/tcp.h>

#include <new>

namespace net {

namespace {

// TCP options (linux/tcp.h).
constexpr int kTcpNoDelay = 1, kTcpMaxSeg = 2, kTcpKeepIdle = 4, kTcpKeepInterval = 5, kTcpKeepCount = 6;
constexpr int kMaxBacklog = 255; // lwIP's backlog is a u8_t

// tcp_write and tcp_recved take at most this many bytes per call (u16_t lengths).
constexpr size_t kMaxChunk = 0xffff;

bool can_send(const tcp_pcb* pcb) { return tcp_sndbuf(pcb) > 0 && tcp_sndqueuelen(pcb) < TCP_SND_QUEUELEN; }

// Whether a listener holds `port` on an address that overlaps `address`. Linux never lets
// a second socket bind there, SO_REUSEADDR or not; lwIP would if both set it.
bool listener_holds(const ip_addr_t& address, uint16_t port)
{
    for (tcp_pcb_listen* listener = tcp_listen_pcbs.listen_pcbs; listener; listener = listener->next) {
        if (listener->local_port != port)
            continue;
        // An IPv6-only listener and an IPv4 one share a port (Redis binds both).
        u8_t held = IP_GET_TYPE(&listener->local_ip), wanted = IP_GET_TYPE(&address);
        if (held != IPADDR_TYPE_ANY && wanted != IPADDR_TYPE_ANY && held != wanted)
            continue;
        if (ip_addr_isany(&listener->local_ip) || ip_addr_isany_val(address)
            || ip_addr_cmp(&listener->local_ip, &address))
            return true;
    }
    return false;
}

} // namespace

lib::Result<TcpSocket*> TcpSocket::create(int family)
{
    tcp_pcb* pcb = tcp_new_ip_type(family == kFamilyInet ? IPADDR_TYPE_V4 : IPADDR_TYPE_ANY);
    if (!pcb)
        return lib::Error(lib::Errno::NOBUFS, "socket: no memory for a TCP control block");
    auto* socket = new (std::nothrow) TcpSocket(family, pcb, State::Fresh);
    if (!socket) {
        tcp_abort(pcb);
        return lib::Error(lib::Errno::NOMEM, "socket: no memory");
    }
    return socket;
}

TcpSocket::TcpSocket(int family, tcp_pcb* pcb, State state) : Socket(family, kSocketStream), m_state(state)
{
    attach(pcb);
}

void TcpSocket::attach(tcp_pcb* pcb)
{
    m_pcb = pcb;
    tcp_arg(pcb, this);
    if (m_state == State::Listening) {
        tcp_accept(pcb, on_accept);
        return;
    }
    tcp_recv(pcb, on_receive);
    tcp_sent(pcb, on_sent);
    tcp_err(pcb, on_error);
}

TcpSocket::~TcpSocket()
{
    while (TcpSocket* pending = m_pending_first) { // connections nobody accepted: reset
        m_pending_first = pending->m_next_pending;
        pending->unref();
    }
    bool unread = m_received != nullptr;
    drop_received();
    if (m_pcb) {
        tcp_pcb* pcb = m_pcb;
        tcp_arg(pcb, nullptr);
        if (m_state == State::Listening) {
            tcp_close(pcb); // cannot fail for a listening pcb
        } else {
            tcp_recv(pcb, nullptr); // lwIP's default discards what still comes
            tcp_sent(pcb, nullptr);
            tcp_err(pcb, nullptr);
            // Linux resets a connection closed with unread data, or with SO_LINGER 0.
            if (unread || reset_on_close() || m_state == State::Fresh || tcp_close(pcb) != ERR_OK)
                tcp_abort(pcb);
        }
        m_pcb = nullptr;
    }
    after_lwip_calls();
}

// ---- lwIP's callbacks -------------------------------------------------------------------

err_t TcpSocket::on_accept(void* arg, tcp_pcb* pcb, err_t error)
{
    auto* listener = static_cast<TcpSocket*>(arg);
    if (!listener || error != ERR_OK || !pcb)
        return ERR_VAL;
    auto* socket = new (std::nothrow) TcpSocket(listener->family(), pcb, State::Connected);
    if (!socket) {
        tcp_abort(pcb);
        return ERR_ABRT;
    }
    socket->m_nodelay = listener->m_nodelay; // accepted sockets inherit TCP_NODELAY, as on Linux
    if (socket->m_nodelay)
        tcp_nagle_disable(pcb);
    tcp_backlog_delayed(pcb); // counted against the backlog until accept() takes it
    if (listener->m_pending_last)
        listener->m_pending_last->m_next_pending = socket;
    else
        listener->m_pending_first = socket;
    listener->m_pending_last = socket;
    listener->m_changes.changed();
    return ERR_OK;
}

err_t TcpSocket::on_connected(void* arg, tcp_pcb*, err_t error)
{
    auto* socket = static_cast<TcpSocket*>(arg);
    if (!socket)
        return ERR_OK;
    socket->m_state = State::Connected;
    socket->m_changes.changed();
    return ERR_OK;
}

err_t TcpSocket::on_receive(void* arg, tcp_pcb* pcb, pbuf* data, err_t error)
{
    auto* socket = static_cast<TcpSocket*>(arg);
    if (!data) {
        socket->m_peer_finished = true;
    } else if (socket->m_shut_read) { // Linux drops data that comes after SHUT_RD
        tcp_recved(pcb, data->tot_len);
        pbuf_free(data);
    } else {
        auto* received = new (std::nothrow) Received { nullptr, data };
        if (!received)
            return ERR_MEM; // lwIP keeps the data and offers it again later
        if (socket->m_received_last)
            socket->m_received_last->next = received;
        else
            socket->m_received = received;
        socket->m_received_last = received;
        socket->m_received_bytes += data->tot_len;
    }
    socket->m_changes.changed();
    return ERR_OK;
}

err_t TcpSocket::on_sent(void* arg, tcp_pcb*, u16_t)
{
    static_cast<TcpSocket*>(arg)->m_changes.changed();
    return ERR_OK;
}

void TcpSocket::on_error(void* arg, err_t error)
{
    auto* socket = static_cast<TcpSocket*>(arg);
    if (!socket)
        return;
    socket->m_pcb = nullptr; // lwIP has freed it
    if (error == ERR_CLSD) { // both sides closed in order: no error
        socket->m_peer_finished = true;
    } else if (socket->m_state == State::Connecting) {
        socket->m_error = int(error == ERR_RST ? lib::Errno::CONNREFUSED : lib::Errno::TIMEDOUT);
    } else if (error == ERR_RST && socket->m_peer_finished) { // Linux: a reset in CLOSE_WAIT is EPIPE
        socket->m_error = int(lib::Errno::PIPE);
    } else {
        socket->m_error = int(error == ERR_RST ? lib::Errno::CONNRESET
                : error == ERR_ABRT            ? lib::Errno::TIMEDOUT
                                               : errno_from(error));
    }
    socket->m_state = State::Closed;
    socket->m_changes.changed();
}

// ---- the socket calls ---------------------------------------------------------------------

lib::Result<void> TcpSocket::bind(const SocketAddress& address)
{
    Endpoint endpoint = TRY(endpoint_from(family(), address));
    if (!m_pcb || m_state != State::Fresh || m_pcb->local_port != 0)
        return lib::Error(lib::Errno::INVAL, "bind: the socket is already bound");
    if (!bindable_address(endpoint.address))
        return lib::Error(lib::Errno::ADDRNOTAVAIL, "bind: no interface has that address");
    // An AF_INET6 socket bound to :: takes both families; to an IPv4-mapped address, IPv4.
    if (family() == kFamilyInet6 && !m_ipv6_only && ip_addr_isany(&endpoint.address) && IP_IS_V6(&endpoint.address))
        endpoint.address = *IP_ANY_TYPE;
    if (endpoint.port != 0 && listener_holds(endpoint.address, endpoint.port))
        return lib::Error(lib::Errno::ADDRINUSE, "bind: a listening socket holds the port");
    err_t bound = tcp_bind(m_pcb, &endpoint.address, endpoint.port);
    if (bound != ERR_OK)
        return lib::Error(errno_from(bound), "bind: address in use or invalid");
    return {};
}

lib::Result<void> TcpSocket::listen(int backlog)
{
    int clamped = backlog < 1 ? 1 : backlog > kMaxBacklog ? kMaxBacklog : backlog;
    if (m_state == State::Listening) { // listen again: a new backlog
        tcp_backlog_set(m_pcb, u8_t(clamped));
        return {};
    }
    if (m_state != State::Fresh || !m_pcb)
        return lib::Error(lib::Errno::INVAL, "listen: the socket is connected");
    if (m_pcb->local_port == 0) { // Linux binds an unbound listener to an ephemeral port
        err_t bound = tcp_bind(m_pcb, family() == kFamilyInet ? IP4_ADDR_ANY : IP_ANY_TYPE, 0);
        if (bound != ERR_OK)
            return lib::Error(errno_from(bound), "listen: no free port");
    }
    err_t error = ERR_OK;
    tcp_pcb* listener = tcp_listen_with_backlog_and_err(m_pcb, u8_t(clamped), &error);
    if (!listener)
        return lib::Error(errno_from(error), "listen: the address is in use or memory ran out");
    m_state = State::Listening; // lwIP freed the old pcb
    attach(listener);
    return {};
}

lib::Result<Socket*> TcpSocket::accept(SocketAddress* peer)
{
    if (m_state != State::Listening)
        return lib::Error(lib::Errno::INVAL, "accept: the socket is not listening");
    uint64_t deadline = receive_deadline();
    for (;;) {
        uint32_t seen = m_changes.now();
        if (TcpSocket* socket = m_pending_first) {
            m_pending_first = socket->m_next_pending;
            if (!m_pending_first)
                m_pending_last = nullptr;
            socket->m_next_pending = nullptr;
            if (socket->m_pcb)
                tcp_backlog_accepted(socket->m_pcb);
            if (peer)
                (void)socket->peer_address(*peer);
            after_lwip_calls();
            return static_cast<Socket*>(socket);
        }
        if (should_not_block(0))
            return lib::Error(lib::Errno::AGAIN, "accept: no connection is waiting");
        TRY(wait_for_change(seen, deadline));
    }
}

lib::Result<void> TcpSocket::connect(const SocketAddress& address)
{
    switch (m_state) {
    case State::Connected:
        if (m_connect_unreported) { // a non-blocking connect finished: its one success
            m_connect_unreported = false;
            return {};
        }
        return lib::Error(lib::Errno::ISCONN, "connect: already connected");
    case State::Listening: return lib::Error(lib::Errno::ISCONN, "connect: the socket listens");
    case State::Connecting:
        if (should_not_block(0))
            return lib::Error(lib::Errno::ALREADY, "connect: a connection is in progress");
        break;
    case State::Closed: {
        if (int error = take_error())
            return lib::Error(lib::Errno(error), "connect: the connection failed");
        return lib::Error(lib::Errno::ISCONN, "connect: the socket was connected and is closed");
    }
    case State::Fresh: {
        Endpoint endpoint = TRY(endpoint_from(family(), address));
        if (ip_addr_isany(&endpoint.address)) // Linux connects "any" to the loopback address
            ip_addr_set_loopback(IP_IS_V6(&endpoint.address), &endpoint.address);
        err_t started = tcp_connect(m_pcb, &endpoint.address, endpoint.port, on_connected);
        if (started != ERR_OK)
            return lib::Error(errno_from(started), "connect: cannot start the connection");
        m_state = State::Connecting;
        after_lwip_calls();                                    // over loopback, the handshake may complete here
        if (should_not_block(0) && m_state != State::Closed) { // even if loopback finished it: Linux's answer
            m_connect_unreported = true;
            return lib::Error(lib::Errno::INPROGRESS, "connect: in progress");
        }
        break;
    }
    }
    uint64_t deadline = send_deadline(); // SO_SNDTIMEO bounds a blocking connect on Linux
    for (;;) {
        uint32_t seen = m_changes.now();
        if (m_state == State::Connected) {
            m_connect_unreported = false;
            return {};
        }
        if (m_state != State::Connecting) {
            int error = take_error();
            return lib::Error(
                lib::Errno(error ? error : int(lib::Errno::CONNREFUSED)), "connect: the connection failed");
        }
        auto waited = wait_for_change(seen, deadline); // lwIP ends it with ETIMEDOUT after its SYN retries
        if (waited.is_error()) {
            // The connection goes on: the next connect (the same call started again after
            // a signal's handler, say) reports how it ended, as on Linux.
            m_connect_unreported = true;
            return waited.error().code == lib::Errno::AGAIN
                ? lib::Error(lib::Errno::INPROGRESS, "connect: timed out (SO_SNDTIMEO)")
                : waited.error();
        }
    }
}

lib::Result<size_t> TcpSocket::send(const void* data, size_t length, int flags, const SocketAddress*)
{
    if (flags & MsgOob)
        return lib::Error(lib::Errno::NOTSUP, "send: MSG_OOB is not supported");
    auto* bytes = static_cast<const uint8_t*>(data);
    uint64_t deadline = send_deadline();
    size_t sent = 0;
    for (;;) {
        uint32_t seen = m_changes.now();
        if (m_error && !sent) {
            int error = take_error();
            if (error == int(lib::Errno::PIPE))
                return broken_pipe(flags);
            return lib::Error(lib::Errno(error), "send: the connection failed");
        }
        // Linux: EPIPE (and SIGPIPE) for any socket not connected, even one never connected.
        if (m_shut_write || !m_pcb || (m_state != State::Connected && m_state != State::Connecting))
            return sent ? lib::Result<size_t>(sent) : broken_pipe(flags);
        if (sent == length)
            break;
        if (m_state == State::Connected && can_send(m_pcb)) {
            size_t room = tcp_sndbuf(m_pcb);
            size_t chunk = length - sent;
            chunk = chunk < room ? chunk : room;
            chunk = chunk < kMaxChunk ? chunk : kMaxChunk;
            u8_t write_flags
                = TCP_WRITE_FLAG_COPY | ((flags & MsgMore) || sent + chunk < length ? TCP_WRITE_FLAG_MORE : 0);
            err_t written = tcp_write(m_pcb, bytes + sent, u16_t(chunk), write_flags);
            if (written == ERR_OK) {
                sent += chunk;
                continue;
            }
            if (written != ERR_MEM)
                return sent ? lib::Result<size_t>(sent)
                            : lib::Error(errno_from(written), "send: lwIP refused the data");
        }
        if (m_pcb)
            tcp_output(m_pcb);
        after_lwip_calls();
        if (should_not_block(flags))
            return sent ? lib::Result<size_t>(sent) : lib::Error(lib::Errno::AGAIN, "send: the send buffer is full");
        auto waited = wait_for_change(seen, deadline);
        if (waited.is_error())
            return sent ? lib::Result<size_t>(sent) : waited.error();
    }
    if (m_pcb && !(flags & MsgMore))
        tcp_output(m_pcb);
    after_lwip_calls();
    return sent;
}

void TcpSocket::drop_received()
{
    while (Received* received = m_received) {
        m_received = received->next;
        pbuf_free(received->data);
        delete received;
    }
    m_received_last = nullptr;
    m_received_bytes = 0;
}

// Consumes `length` bytes (at most the first chain's) and opens the window by as much.
void TcpSocket::take_received(size_t length)
{
    Received* first = m_received;
    if (length >= first->data->tot_len) {
        m_received = first->next;
        if (!m_received)
            m_received_last = nullptr;
        pbuf_free(first->data);
        delete first;
    } else {
        first->data = pbuf_free_header(first->data, u16_t(length));
    }
    m_received_bytes -= length;
    if (!m_pcb)
        return;
    for (size_t left = length; left > 0;) { // the program read it: open the window again
        size_t chunk = left < kMaxChunk ? left : kMaxChunk;
        tcp_recved(m_pcb, u16_t(chunk));
        left -= chunk;
    }
}

lib::Result<size_t> TcpSocket::receive_some(void* data, size_t length, int flags)
{
    if (flags & MsgPeek) { // copies across chains, consuming nothing
        size_t copied = 0;
        for (Received* received = m_received; received && copied < length; received = received->next) {
            size_t part = length - copied < received->data->tot_len ? length - copied : received->data->tot_len;
            pbuf_copy_partial(received->data, static_cast<uint8_t*>(data) + copied, u16_t(part), 0);
            copied += part;
        }
        return copied;
    }
    size_t available = m_received->data->tot_len;
    size_t copied = length < available ? length : available;
    pbuf_copy_partial(m_received->data, data, u16_t(copied), 0);
    take_received(copied);
    return copied;
}

lib::Result<size_t> TcpSocket::receive(void* data, size_t length, int flags, ReceiveInfo&)
{
    if (flags & MsgOob)
        return lib::Error(lib::Errno::NOTSUP, "recv: MSG_OOB is not supported");
    if (m_state == State::Listening || m_state == State::Fresh)
        return lib::Error(lib::Errno::NOTCONN, "recv: the socket is not connected");
    auto* bytes = static_cast<uint8_t*>(data);
    uint64_t deadline = receive_deadline();
    size_t received = 0;
    bool wait_all = (flags & MsgWaitAll) && !(flags & MsgPeek);
    for (;;) {
        uint32_t seen = m_changes.now();
        while (m_received && received < length) {
            received += TRY(receive_some(bytes + received, length - received, flags));
            if (flags & MsgPeek)
                break;
        }
        if (received && (!wait_all || received == length)) {
            after_lwip_calls(); // the window update
            return received;
        }
        if (length == 0)
            return size_t(0);
        if (m_error)
            return received ? lib::Result<size_t>(received)
                            : lib::Error(lib::Errno(take_error()), "recv: the connection failed");
        if (m_peer_finished || m_shut_read || m_state == State::Closed)
            return received;
        if (should_not_block(flags))
            return received ? lib::Result<size_t>(received) : lib::Error(lib::Errno::AGAIN, "recv: no data yet");
        after_lwip_calls();
        auto waited = wait_for_change(seen, deadline);
        if (waited.is_error())
            return received ? lib::Result<size_t>(received) : waited.error();
    }
}

lib::Result<void> TcpSocket::shutdown(int how)
{
    if (m_state != State::Connected && m_state != State::Closed && m_state != State::Connecting)
        return lib::Error(lib::Errno::NOTCONN, "shutdown: the socket is not connected");
    if (how == 0 || how == 2) {
        m_shut_read = true;
        while (m_received)
            take_received(m_received->data->tot_len);
    }
    if ((how == 1 || how == 2) && !m_shut_write) {
        m_shut_write = true;
        if (m_pcb && m_state == State::Connected) {
            err_t done = tcp_shutdown(m_pcb, 0, 1); // sends FIN after the queued data
            if (done != ERR_OK && done != ERR_CONN)
                return lib::Error(errno_from(done), "shutdown: lwIP refused");
        }
    }
    m_changes.changed();
    after_lwip_calls();
    return {};
}

lib::Result<void> TcpSocket::local_address(SocketAddress& out)
{
    if (m_pcb)
        socket_address_from(family(), m_pcb->local_ip, m_pcb->local_port, out);
    else
        socket_address_from(family(), Endpoint {}, out);
    return {};
}

lib::Result<void> TcpSocket::peer_address(SocketAddress& out)
{
    if (m_state != State::Connected || !m_pcb)
        return lib::Error(lib::Errno::NOTCONN, "getpeername: the socket is not connected");
    socket_address_from(family(), m_pcb->remote_ip, m_pcb->remote_port, out);
    return {};
}

uint16_t TcpSocket::poll_events(uint16_t requested)
{
    constexpr uint16_t kReadHangUp = 0x2000; // POLLRDHUP
    uint16_t events = 0;
    switch (m_state) {
    case State::Listening:
        if (m_pending_first)
            events |= fs::PollIn | fs::PollRdNorm;
        break;
    case State::Fresh: events |= fs::PollOut | fs::PollWrNorm | fs::PollHup; break;
    case State::Connecting: break;
    case State::Connected:
    case State::Closed:
        if (m_received || m_peer_finished || m_shut_read || m_state == State::Closed)
            events |= fs::PollIn | fs::PollRdNorm;
        if (m_peer_finished || m_state == State::Closed)
            events |= kReadHangUp;
        if (m_state == State::Closed || (m_shut_write && (m_peer_finished || m_shut_read)))
            events |= fs::PollHup;
        if (m_state == State::Closed || (!m_shut_write && m_pcb && can_send(m_pcb)))
            events |= fs::PollOut | fs::PollWrNorm;
        break;
    }
    if (m_error)
        events |= fs::PollErr;
    return events & (requested | fs::PollErr | fs::PollHup);
}

lib::Result<size_t> TcpSocket::bytes_readable() { return m_received_bytes; }

int TcpSocket::take_error()
{
    int error = m_error;
    m_error = 0;
    return error;
}

lib::Result<void> TcpSocket::set_protocol_option(int level, int name, int value)
{
    if (u8_t option = pcb_flag_of(level, name)) {
        if (m_pcb && value)
            ip_set_option(m_pcb, option);
        else if (m_pcb)
            ip_reset_option(m_pcb, option);
        return {};
    }
    if (level == kLevelTcp) {
        switch (name) {
        case kTcpNoDelay:
            m_nodelay = value != 0;
            if (m_pcb && m_state != State::Listening && m_nodelay)
                tcp_nagle_disable(m_pcb);
            else if (m_pcb && m_state != State::Listening)
                tcp_nagle_enable(m_pcb);
            return {};
        case kTcpMaxSeg: return {}; // a hint Linux also clamps; lwIP's MSS is fixed
        case kTcpKeepIdle:
        case kTcpKeepInterval:
        case kTcpKeepCount:
            if (value < 1)
                return lib::Error(lib::Errno::INVAL, "setsockopt: keepalive values must be positive");
            if (m_pcb && m_state != State::Listening) {
                if (name == kTcpKeepIdle)
                    m_pcb->keep_idle = u32_t(value) * 1000;
                else if (name == kTcpKeepInterval)
                    m_pcb->keep_intvl = u32_t(value) * 1000;
                else
                    m_pcb->keep_cnt = u32_t(value);
            }
            return {};
        default: break;
        }
    }
    if (level == kLevelIp && (name == kIpTos || name == kIpTtl)) {
        if (m_pcb)
            (name == kIpTos ? m_pcb->tos : m_pcb->ttl) = u8_t(value);
        return {};
    }
    if (level == kLevelIpv6 && name == kIpv6Only) {
        if (family() != kFamilyInet6)
            return lib::Error(lib::Errno::NOPROTOOPT, "setsockopt: IPV6_V6ONLY on an IPv4 socket");
        if (m_state != State::Fresh || (m_pcb && m_pcb->local_port != 0))
            return lib::Error(lib::Errno::INVAL, "setsockopt: IPV6_V6ONLY after bind");
        m_ipv6_only = value != 0;
        return {};
    }
    return lib::Error(lib::Errno::NOPROTOOPT, "setsockopt: option not supported on TCP sockets");
}

lib::Result<int> TcpSocket::get_protocol_option(int level, int name)
{
    if (u8_t option = pcb_flag_of(level, name))
        return m_pcb ? int(ip_get_option(m_pcb, option) != 0) : 0; // accepted pcbs inherit them from the listener
    if (level == kLevelTcp) {
        switch (name) {
        case kTcpNoDelay: return int(m_nodelay);
        case kTcpMaxSeg: return m_pcb && m_state == State::Connected ? int(tcp_mss(m_pcb)) : TCP_MSS;
        case kTcpKeepIdle: return m_pcb && m_state != State::Listening ? int(m_pcb->keep_idle / 1000) : 7200;
        case kTcpKeepInterval: return m_pcb && m_state != State::Listening ? int(m_pcb->keep_intvl / 1000) : 75;
        case kTcpKeepCount: return m_pcb && m_state != State::Listening ? int(m_pcb->keep_cnt) : 9;
        default: break;
        }
    }
    if (level == kLevelIp && (name == kIpTos || name == kIpTtl))
        return m_pcb ? int(name == kIpTos ? m_pcb->tos : m_pcb->ttl) : (name == kIpTtl ? 64 : 0);
    if (level == kLevelIpv6 && name == kIpv6Only && family() == kFamilyInet6)
        return int(m_ipv6_only);
    return lib::Error(lib::Errno::NOPROTOOPT, "getsockopt: option not supported on TCP sockets");
}

} // namespace net
