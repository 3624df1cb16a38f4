// AF_UNIX sockets (unix(7)): SOCK_STREAM (a byte stream each way), SOCK_SEQPACKET
// (connected, messages keep their boundaries) and SOCK_DGRAM (messages, each to a name or
// to the connected peer). No lwIP: a send puts the bytes straight into the receiving
// socket's queue. Each socket is an fs::File; the big kernel lock guards all of them.
//
// Names (unix_address.h): bind puts a socket node at a path in the file tree, whose
// endpoint record leads to the socket while it is open (the node stays after close, as on
// Linux: connecting to it then is ECONNREFUSED, and the program unlinks it), or takes an
// abstract name in the VM's UnixNames. A listener queues the server ends of the
// connections made to it (connect returns once its connection is queued, as Linux's
// does) until accept takes them; backlog + 1 may wait, then connect blocks (or EAGAIN).
//
// Files passed with SCM_RIGHTS travel as counted references with the message (datagram
// and seqpacket) or with the bytes of one send (stream: a read stops at the end of the
// bytes that carried files, and does not run on into bytes that carry some). Files in
// flight in a socket that is closed unread are closed with it. Partial: a socket sent
// through itself (or a cycle of sockets) is never freed (Linux's garbage collector of
// in-flight sockets is not built); SCM_CREDENTIALS from the sender is checked, not carried
// (every sender is this VM's one program: a receiver with SO_PASSCRED gets its identity);
// no MSG_OOB.
#pragma once

#include <net/kernel/datagram_queue.h>
#include <net/kernel/socket.h>
#include <net/kernel/unix_address.h>

#include <lib/byte_ring.h>
#include <lib/intrusive_list.h>
#include <lib/ref_counted.h>

namespace vfs {
class Node;
}

namespace net {

class UnixSocket final : public Socket {
public:
    /// Two connected ends of `type` (socketpair). Errors: NOMEM.
    static lib::Result<void> make_pair(int type, UnixSocket*& first, UnixSocket*& second);
    /// An unnamed, unconnected socket of `type` (socket). Errors: NOMEM.
    static lib::Result<UnixSocket*> create(int type);
    ~UnixSocket() override;

    lib::Result<void> bind(const SocketAddress&) override;
    lib::Result<void> listen(int backlog) override;
    lib::Result<Socket*> accept(SocketAddress* peer) override;
    lib::Result<void> connect(const SocketAddress&) override;
    lib::Result<size_t> send(const void* data, size_t length, int flags, const SocketAddress* to) override;
    lib::Result<size_t> send_with_files(
        const void* data, size_t length, int flags, const SocketAddress* to, PassedFiles& files) override;
    lib::Result<size_t> receive(void* data, size_t length, int flags, ReceiveInfo& info) override;
    lib::Result<void> shutdown(int how) override;
    lib::Result<void> local_address(SocketAddress& out) override;
    lib::Result<void> peer_address(SocketAddress& out) override;
    bool peer_is_local() const override { return m_connected; }

    uint16_t poll_events(uint16_t requested) override;
    uint32_t change_count() const override;
    lib::Result<size_t> bytes_readable() override;

    const UnixName& name() const { return m_name; }
    lib::ListNode abstract_link; // in UnixNames while it holds an abstract name
    lib::ListNode pending_link;  // a server end in its listener's queue until accepted

protected:
    lib::Result<void> set_protocol_option(int level, int name, int value) override;
    lib::Result<int> get_protocol_option(int level, int name) override;
    int take_error() override;
    bool listening() const override { return m_listening; }

private:
    explicit UnixSocket(int type) : Socket(kFamilyUnix, type) { }
    bool stream() const { return type() == kSocketStream; }
    bool connection_oriented() const { return type() != kSocketDatagram; }
    lib::Result<void> allocate_queue();
    /// Takes `name` (a path: a new socket node there; abstract: in UnixNames).
    lib::Result<void> take_name(const UnixName& name);
    /// The connected socket or listener a send or connect reaches by `name`: ENOENT for a
    /// path that does not exist, ECONNREFUSED where no socket is bound, EPROTOTYPE for a
    /// socket of another type.
    lib::Result<UnixSocket*> find_bound(const UnixName& name) const;
    /// Joins this socket to `listener` with a new server end queued there.
    lib::Result<void> connect_to(UnixSocket& listener);
    /// Where a datagram goes: `to`, else the connected name, else the socketpair peer.
    lib::Result<UnixSocket*> datagram_target(const SocketAddress* to) const;
    lib::Result<size_t> send_data(
        const void* data, size_t length, int flags, const SocketAddress* to, PassedFiles* files);
    lib::Result<size_t> send_stream(const uint8_t* bytes, size_t length, int flags, PassedFiles* files);
    lib::Result<size_t> send_message(
        const uint8_t* bytes, size_t length, int flags, const SocketAddress* to, PassedFiles* files);
    lib::Result<size_t> receive_stream(uint8_t* bytes, size_t length, int flags, ReceiveInfo& info);
    /// Whether this socket's queue has room for `length` more bytes (a message needs all).
    bool room_for(size_t length) const;
    size_t queued_bytes() const { return stream() ? m_stream.size() : m_messages.bytes(); }
    /// Someone may wait for room in this queue: wake them (a peer's counter, or UnixNames').
    void made_room();
    void drop_name();

    // Files that came with the bytes [start, end) of the stream (counted from its start).
    struct FileMark {
        FileMark* next;
        uint64_t start, end;
        PassedFiles files;
    };

    UnixName m_name;               // bound name (Unnamed: none)
    lib::RefPtr<vfs::Node> m_node; // a path name's socket node (its record is this)

    // Connection (stream and seqpacket; a socketpair's datagram ends too).
    UnixSocket* m_peer = nullptr; // null before connect and once the other end is closed
    UnixName m_peer_name;         // the peer's name when connecting (getpeername)
    bool m_connected = false;     // it has (had) a peer
    bool m_accepted = true;       // false for a server end still in its listener's queue
    bool m_peer_finished = false; // the other end shut down writing or closed
    bool m_shut_write = false;
    int m_error = 0; // Linux's sk_err: ECONNRESET when the peer dropped data

    // Listener.
    bool m_listening = false;
    unsigned m_backlog = 0;
    lib::IntrusiveList<UnixSocket, &UnixSocket::pending_link> m_pending; // server ends, each
                                                                         // a reference the listener holds until accept
    unsigned m_pending_count = 0;

    // Datagram: the name connect gave (sends without an address go there).
    UnixName m_destination;
    bool m_sender_waits = false; // a sender waits on UnixNames' room for this queue

    // Receive queues.
    lib::ByteRing m_stream; // stream: bytes sent to this socket, not yet read
    uint64_t m_stream_written = 0, m_stream_read = 0;
    FileMark* m_marks = nullptr; // stream: files in flight, in stream order
    FileMark* m_last_mark = nullptr;
    DatagramQueue m_messages; // datagram, seqpacket: messages, in order
};

/// The abstract namespace of the VM's network (Linux keeps one per network namespace):
/// which socket holds each abstract name, and the counter a waiting connect or datagram
/// send sleeps on (listeners and receivers bump it when room appears or they go away; the
/// waiter then finds its peer again by name, holding no pointer that could dangle). The
/// network stack owns it (net::unix_names(), stack.h); the big kernel lock guards it.
class UnixNames {
public:
    /// Records that `socket` holds its abstract name. EADDRINUSE when another does.
    lib::Result<void> add(UnixSocket& socket);
    void remove(UnixSocket& socket) { m_sockets.remove(&socket); }
    /// The socket holding abstract `name`, or null.
    UnixSocket* find(const UnixName& name) const;
    /// A free abstract name of five hexadecimal digits, as Linux's autobind makes.
    /// EADDRINUSE when all 2^20 are taken.
    lib::Result<UnixName> unused_name();
    fs::ChangeCounter& room() { return m_room; }

private:
    lib::IntrusiveList<UnixSocket, &UnixSocket::abstract_link> m_sockets;
    uint32_t m_next_autobind = 0;
    fs::ChangeCounter m_room;
};

} // namespace net
