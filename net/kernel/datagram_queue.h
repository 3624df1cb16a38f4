// A socket's queue of whole messages (datagrams keep their boundaries): AF_UNIX datagram
// sockets and netlink replies. Not locked: its socket's lock (the big kernel lock) guards it.
#pragma once

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

    /// Appends a copy of `length` bytes. Error: NOBUFS when memory is short.
    lib::Result<void> push(const void* data, size_t length);
    /// Copies up to `capacity` bytes of the first message into `out` and returns its whole
    /// length (more than `capacity`: it was truncated); removes it unless `peek`. Empty: 0.
    size_t take(void* out, size_t capacity, bool peek);
    void clear();

private:
    struct Message {
        Message* next;
        size_t length;
        uint8_t bytes[];
    };
    Message* m_first = nullptr;
    Message* m_last = nullptr;
    size_t m_bytes = 0;
};

} // namespace net
