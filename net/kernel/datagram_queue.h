// A socket's queue of whole messages (datagrams keep their boundaries): AF_UNIX datagram
// and seqpacket sockets, and netlink replies. A message may carry its sender's address and
// files passed with SCM_RIGHTS. Not locked: its socket's lock (the big kernel lock)
// guards it.
#pragma once

#include <net/kernel/socket.h>

#include <lib/result.h>

#include <cstddef>
#include <cstdint>

namespace net {

class DatagramQueue {
public:
    DatagramQueue() = default;
    DatagramQueue(const DatagramQueue&) = delete;
    DatagramQueue& operator=(const DatagramQueue&) = delete;
    ~DatagramQueue() { clear(); }

    bool empty() const { return !m_first; }
    /// Bytes of all queued messages (what bounds the queue against SO_RCVBUF).
    size_t bytes() const { return m_bytes; }
    /// The first message's length (0 when empty).
    size_t front_length() const { return m_first ? m_first->length : 0; }

    /// Appends a copy of `length` bytes, with the sender's address `from` and `files`
    /// (taken) when given. Error: NOBUFS when memory is short (`files` stay the caller's).
    lib::Result<void> push(
        const void* data, size_t length, const SocketAddress* from = nullptr, PassedFiles* files = nullptr);
    /// Copies up to `capacity` bytes of the first message into `out` and returns its whole
    /// length (more than `capacity`: it was truncated); removes it unless `peek`. Empty: 0.
    /// `from` gets the sender's address (length 0 when none was given) and `files` its
    /// files (new references when peeking, as Linux duplicates them); either may be null.
    size_t take(void* out, size_t capacity, bool peek, SocketAddress* from = nullptr, PassedFiles* files = nullptr);
    void clear();

private:
    struct Extras {
        SocketAddress from;
        PassedFiles files;
    };
    struct Message {
        Message* next;
        Extras* extras; // null: no sender address and no files
        size_t length;
        uint8_t bytes[];
    };
    static void destroy(Message* message);
    Message* m_first = nullptr;
    Message* m_last = nullptr;
    size_t m_bytes = 0;
};

} // namespace net
