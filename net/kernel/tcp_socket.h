// A TCP socket (SOCK_STREAM over AF_INET or AF_INET6) on an lwIP tcp_pcb, through the raw
// API's callbacks. An AF_INET6 socket is dual-stack, as on Linux without IPV6_V6ONLY: its
// pcb takes IPv4 and IPv6, and IPv4 peers appear as IPv4-mapped addresses.
//
// Received data waits in the socket as lwIP's pbufs until the program reads it, and the
// window opens (tcp_recved) only then: flow control is the program's pace. A listening
// socket keeps the connections lwIP completed in an accept queue; lwIP's listen backlog
// counts them until accept() takes them, so a full queue refuses new handshakes.
//
// Partial: the backlog is at most 255 (lwIP's u8_t), out-of-band data (MSG_OOB) is not
// supported, and SO_REUSEPORT does not balance one port over several listeners.
#pragma once

#include <net/kernel/socket.h>

struct tcp_pcb;
struct pbuf;

namespace net {

class TcpSocket final : public Socket {
public:
    /// A new, unconnected socket. Errors: NOMEM.
    static lib::Result<TcpSocket*> create(int family);
    ~TcpSocket() override;

    lib::Result<void> bind(const SocketAddress& address) override;
    lib::Result<void> listen(int backlog) override;
    lib::Result<Socket*> accept(SocketAddress* peer) override;
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
    int take_error() override;
    bool listening() const override { return m_state == State::Listening; }

private:
    enum class State : uint8_t { Fresh, Listening, Connecting, Connected, Closed };

    TcpSocket(int family, tcp_pcb* pcb, State state);
    void attach(tcp_pcb* pcb);
    void detach_and_close();
    void take_received(size_t length);
    void drop_received();
    lib::Result<size_t> receive_some(void* data, size_t length, int flags);

    // lwIP's callbacks (tcp.h); `arg` is the socket.
    static signed char on_accept(void* arg, tcp_pcb* pcb, signed char error);
    static signed char on_connected(void* arg, tcp_pcb* pcb, signed char error);
    static signed char on_receive(void* arg, tcp_pcb* pcb, pbuf* data, signed char error);
    static signed char on_sent(void* arg, tcp_pcb* pcb, uint16_t length);
    static void on_error(void* arg, signed char error);

    tcp_pcb* m_pcb = nullptr; // null once lwIP freed it (reset, closed) or never had one
    State m_state;
    // Data not yet read: the pbuf chains lwIP delivered, in order, each kept apart (a
    // pbuf chain's tot_len is 16 bits; the window is larger).
    struct Received {
        Received* next;
        pbuf* data;
    };
    Received* m_received = nullptr;
    Received* m_received_last = nullptr;
    size_t m_received_bytes = 0;
    bool m_peer_finished = false; // the peer's FIN came: reads end with 0 after the data
    bool m_shut_read = false;
    bool m_shut_write = false;
    int m_error = 0;                   // pending error (SO_ERROR), a positive errno
    bool m_connect_unreported = false; // a non-blocking connect is owed its 0 (connect again)
    bool m_nodelay = false;
    bool m_ipv6_only = false; // IPV6_V6ONLY: an AF_INET6 socket that takes no IPv4

    // The accept queue of a listening socket: completed connections in arrival order.
    TcpSocket* m_next_pending = nullptr;
    TcpSocket* m_pending_first = nullptr;
    TcpSocket* m_pending_last = nullptr;
};

} // namespace net
