// AF_UNIX sockets made by socketpair(2): two connected ends, SOCK_STREAM (a byte stream
// each way, 208 KiB buffered per direction) or SOCK_DGRAM (messages keep their
// boundaries). No lwIP: the bytes go from one end's send straight into the other end's
// queue. Each end is an fs::File; the big kernel lock guards both.
//
// socket(AF_UNIX) alone makes an unconnected socket that can never be connected: nothing
// listens on a name, so connect and sendto say ENOENT for a path that does not exist and
// ECONNREFUSED for one that does (a program logging to a missing /dev/log goes on, as on
// Linux without a syslog daemon); it serves ioctls and getsockname.
// Partial: no paths (bind on a name is EOPNOTSUPP, no listen), no SCM_RIGHTS or
// SCM_CREDENTIALS, no SOCK_SEQPACKET.
#pragma once

#include <net/kernel/datagram_queue.h>
#include <net/kernel/socket.h>

#include <lib/byte_ring.h>

namespace net {

class UnixSocket final : public Socket {
public:
    /// Two connected ends of `type` (stream or datagram). Errors: NOMEM.
    static lib::Result<void> make_pair(int type, UnixSocket*& first, UnixSocket*& second);
    /// An unconnected socket of `type` (see above). Errors: NOMEM.
    static lib::Result<UnixSocket*> create(int type);
    ~UnixSocket() override;

    lib::Result<void> bind(const SocketAddress&) override;
    lib::Result<void> connect(const SocketAddress&) override;
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
    explicit UnixSocket(int type) : Socket(kFamilyUnix, type) { }
    bool stream() const { return type() == kSocketStream; }
    /// Whether this end's queue has room for `length` more bytes (a datagram needs all).
    bool room_for(size_t length) const;
    size_t queued_bytes() const { return stream() ? m_stream.size() : m_messages.bytes(); }

    UnixSocket* m_peer = nullptr; // null once the other end is closed
    lib::ByteRing m_stream;       // stream: bytes sent to this end, not yet read
    DatagramQueue m_messages;     // datagram: messages sent to this end, in order
    bool m_peer_finished = false; // the other end shut down writing or closed
    bool m_shut_write = false;
    bool m_unconnected = false;   // made by socket(), not socketpair(): never has a peer
};

} // namespace net
