// Sockets: what a socket descriptor refers to. `Socket` is the interface the system calls
// (kernel/syscall/sockets.cpp) use, with Linux semantics and errno; TcpSocket and
// UdpSocket implement it over lwIP's raw API. A socket is an fs::File, so read, write,
// poll, epoll, fcntl and close work on it as on any descriptor.
//
// Every socket call holds the big kernel lock (lwIP's lock, see stack.h); a call that
// blocks waits on the socket's ChangeCounter, which lwIP's callbacks bump, and releases
// the lock while it sleeps.
#pragma once

#include <kernel/fs/file.h>
#include <kernel/fs/readiness.h>

#include <lib/result.h>

#include <cstddef>
#include <cstdint>

namespace net {

/// Address families, socket types and flags (Linux values, include/linux/socket.h, net.h).
constexpr int kFamilyUnspecified = 0, kFamilyUnix = 1, kFamilyInet = 2, kFamilyInet6 = 10;
constexpr int kSocketStream = 1, kSocketDatagram = 2, kSocketSeqPacket = 5;
constexpr int kSocketNonBlocking = 04000, kSocketCloseOnExec = 02000000;

/// Option levels, the SOL_SOCKET options, and the IP options more than one kind of
/// socket handles (Linux values: asm-generic/socket.h, linux/in.h, linux/in6.h).
constexpr int kLevelIp = 0, kLevelSocket = 1, kLevelTcp = 6, kLevelIpv6 = 41;
enum SocketOption : int {
    SoDebug = 1,
    SoReuseAddr = 2,
    SoType = 3,
    SoError = 4,
    SoDontRoute = 5,
    SoBroadcast = 6,
    SoSndBuf = 7,
    SoRcvBuf = 8,
    SoKeepAlive = 9,
    SoOobInline = 10,
    SoNoCheck = 11,
    SoPriority = 12,
    SoLinger = 13,
    SoReusePort = 15,
    SoPassCred = 16,
    SoPeerCred = 17,
    SoRcvLowat = 18,
    SoSndLowat = 19,
    SoRcvTimeo = 20,
    SoSndTimeo = 21,
    SoTimestamp = 29,
    SoAcceptConn = 30,
    SoSndBufForce = 32,
    SoRcvBufForce = 33,
    SoProtocol = 38,
    SoDomain = 39,
    SoIncomingCpu = 49,
    SoZeroCopy = 60,
};
constexpr int kIpTos = 1, kIpTtl = 2, kIpPacketInfo = 8, kIpv6Only = 26;

/// send/recv flags (include/linux/socket.h).
enum MessageFlags : int {
    MsgOob = 0x1,
    MsgPeek = 0x2,
    MsgTrunc = 0x20,
    MsgDontWait = 0x40,
    MsgWaitAll = 0x100,
    MsgNoSignal = 0x4000,
    MsgMore = 0x8000,
};

/// A socket address as programs pass it (struct sockaddr_storage's size at most).
struct SocketAddress {
    alignas(8) uint8_t bytes[128] = {};
    uint32_t length = 0;
};

/// Where an IPv4 datagram arrived (IP_PKTINFO's struct in_pktinfo, network byte order).
struct PacketInfo {
    bool valid = false; // the socket asked for it (IP_PKTINFO) and the datagram is IPv4
    int interface_index = 0;
    uint32_t local = 0;       // the interface's address
    uint32_t destination = 0; // the datagram's destination (a broadcast, say)
};

/// Open files passed with SCM_RIGHTS (unix(7)): counted references, at most kMax (Linux's
/// SCM_MAX_FD). What a sender attaches to a message, and what a receiver takes from it.
class PassedFiles {
public:
    static constexpr size_t kMax = 253;

    PassedFiles() = default;
    PassedFiles(const PassedFiles&) = delete;
    PassedFiles& operator=(const PassedFiles&) = delete;
    ~PassedFiles();

    bool empty() const { return m_count == 0; }
    size_t count() const { return m_count; }
    fs::File* at(size_t i) const { return m_files[i]; }
    /// Adds a counted reference to `file`. Errors: INVAL past kMax (Linux's), NOMEM.
    lib::Result<void> add(fs::File& file);
    /// Takes all of `other`'s references (this set must be empty).
    void take_from(PassedFiles& other);
    /// Drops every reference (the files a receiver never took are closed).
    void clear();

private:
    fs::File** m_files = nullptr; // m_count counted references
    size_t m_count = 0;
};

/// What a receive tells besides the byte count.
struct ReceiveInfo {
    SocketAddress* from = nullptr; // filled for datagram sockets (may be null)
    bool truncated = false;        // a datagram did not fit (recvmsg's MSG_TRUNC)
    PacketInfo* packet = nullptr;  // filled by UDP sockets with IP_PKTINFO on (may be null)
    PassedFiles* files = nullptr;  // AF_UNIX: the files passed with the data read (may be
                                   // null: they are closed then, as Linux drops them)
};

/// `waited`, the result of a blocking socket call's wait bounded by `deadline`
/// (SO_RCVTIMEO or SO_SNDTIMEO; 0: none). When a signal ended such a wait, the call ends
/// with EINTR rather than start again after the handler (kernel/syscall/restart.h), as
/// Linux's sock_intr_errno decides.
lib::Result<void> ended_by_signal_for_good(lib::Result<void> waited, uint64_t deadline);

class Socket : public fs::File {
public:
    Socket(int family, int type) : m_family(family), m_type(type) { }

    int family() const { return m_family; }
    int type() const { return m_type; }

    virtual lib::Result<void> bind(const SocketAddress& address) = 0;
    virtual lib::Result<void> listen(int backlog)
    {
        return lib::Error(lib::Errno::NOTSUP, "listen: not a stream socket");
    }
    /// The next connection, as a new socket (the caller owns the reference); its peer's
    /// address into `peer` (may be null).
    virtual lib::Result<Socket*> accept(SocketAddress* peer)
    {
        return lib::Error(lib::Errno::NOTSUP, "accept: not a stream socket");
    }
    virtual lib::Result<void> connect(const SocketAddress& address) = 0;
    /// Sends from `data`; `to` (may be null) is the destination of a datagram.
    virtual lib::Result<size_t> send(const void* data, size_t length, int flags, const SocketAddress* to) = 0;
    virtual lib::Result<size_t> receive(void* data, size_t length, int flags, ReceiveInfo& info) = 0;
    /// send with SCM_RIGHTS: `files` go with the data (taken when sent). Only AF_UNIX
    /// sockets carry files; the others send the data alone.
    virtual lib::Result<size_t> send_with_files(
        const void* data, size_t length, int flags, const SocketAddress* to, PassedFiles&)
    {
        return send(data, length, flags, to);
    }
    /// Whether the socket's peer is this VM's program (a connected AF_UNIX socket): then
    /// SO_PEERCRED names the program, else Linux's answer for no peer process.
    virtual bool peer_is_local() const { return false; }
    /// SO_PASSCRED is on: each receive carries SCM_CREDENTIALS.
    bool passes_credentials() const { return kept_option(kLevelSocket, SoPassCred) != 0; }
    /// shutdown(2): 0 SHUT_RD, 1 SHUT_WR, 2 SHUT_RDWR (checked by the caller).
    virtual lib::Result<void> shutdown(int how) = 0;
    virtual lib::Result<void> local_address(SocketAddress& out) = 0;
    virtual lib::Result<void> peer_address(SocketAddress& out) = 0;

    /// setsockopt/getsockopt: the options every socket has (SOL_SOCKET), then the
    /// subclass's (protocol_option). `length` is in-out for get.
    lib::Result<void> set_option(int level, int name, const void* value, uint32_t length);
    lib::Result<void> get_option(int level, int name, void* value, uint32_t& length);

    // fs::File
    lib::Result<size_t> read(void* buffer, size_t length) override;
    lib::Result<size_t> write(const void* buffer, size_t length) override;
    lib::Result<void> stat(fs::LinuxStat& st) override;
    size_t describe(char* out, size_t size) const override;
    uint32_t change_count() const override { return m_changes.now(); }
    bool is_socket() const override { return true; }

protected:
    /// An option of the socket's protocol level, or a SOL_SOCKET one with an effect in
    /// lwIP (SO_REUSEADDR, SO_KEEPALIVE, SO_BROADCAST): applied to the protocol control
    /// block. Returns NOPROTOOPT when it does not know it.
    virtual lib::Result<void> set_protocol_option(int level, int name, int value) = 0;
    virtual lib::Result<int> get_protocol_option(int level, int name) = 0;
    /// The pending error SO_ERROR reports (and clears); 0 for none.
    virtual int take_error() = 0;
    /// Whether the socket listens (SO_ACCEPTCONN).
    virtual bool listening() const { return false; }
    /// The value setsockopt gave an option the socket keeps without acting on it itself
    /// (IP_PKTINFO: the UDP socket reads it); 0 when never set.
    int kept_option(int level, int name) const;
    /// Keeps `value` for getsockopt (an option accepted without an effect of its own).
    lib::Result<void> keep_option(int level, int name, int value);

    /// Whether a call should not block: O_NONBLOCK or MSG_DONTWAIT.
    bool should_not_block(int flags) const { return non_blocking() || (flags & MsgDontWait); }
    /// The monotonic deadline of a blocking receive or send (SO_RCVTIMEO, SO_SNDTIMEO);
    /// 0 for none.
    uint64_t receive_deadline() const;
    uint64_t send_deadline() const;
    /// A wait for the next change, until `deadline` (0: none): INTR for a signal, AGAIN
    /// once the deadline passed (Linux's answer to an expired SO_RCVTIMEO). Ended by a
    /// signal with a deadline, the call ends with EINTR (ended_by_signal_for_good).
    lib::Result<void> wait_for_change(uint32_t seen, uint64_t deadline);
    /// EPIPE, with SIGPIPE for the caller unless `flags` has MSG_NOSIGNAL.
    lib::Error broken_pipe(int flags) const;
    /// SO_LINGER on with a zero timeout: close resets the connection.
    bool reset_on_close() const { return m_linger[0] && m_linger[1] == 0; }

    /// Stored so getsockopt returns what setsockopt set; SO_RCVBUF bounds a datagram
    /// socket's queue. Linux doubles the value asked for (socket(7)).
    uint32_t m_receive_buffer = 212992;
    uint32_t m_send_buffer = 212992;
    fs::ChangeCounter m_changes;

private:
    int m_family;
    int m_type;
    uint64_t m_receive_timeout_ns = 0; // 0: none
    uint64_t m_send_timeout_ns = 0;
    int m_linger[2] = { 0, 0 }; // struct linger: l_onoff, l_linger

    // Options Osprey accepts but does not act on (SO_REUSEPORT, TCP_DEFER_ACCEPT,
    // TCP_QUICKACK, IP_RECVERR...): their values, so getsockopt returns what was set.
    struct StoredOption {
        int level, name, value;
    };
    static constexpr size_t kMaxStoredOptions = 16;
    StoredOption m_stored[kMaxStoredOptions] = {};
    size_t m_stored_count = 0;
};

} // namespace net
