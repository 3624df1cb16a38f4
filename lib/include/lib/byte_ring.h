// A fixed-capacity ring of bytes: what a pipe and a stream socket pair buffer between their
// ends. Not synchronised: its owner's lock guards it. Header-only, portable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace lib {

class ByteRing {
public:
    /// Allocates the storage; false when memory ran out (the ring then holds nothing).
    bool allocate(size_t capacity)
    {
        m_data.reset(static_cast<uint8_t*>(malloc(capacity)));
        m_capacity = m_data ? capacity : 0;
        m_head = m_size = 0;
        return m_data != nullptr;
    }

    size_t size() const { return m_size; }
    size_t capacity() const { return m_capacity; }
    size_t space() const { return m_capacity - m_size; }

    /// Copies up to `length` bytes from the front into `out` without consuming them.
    size_t peek(uint8_t* out, size_t length) const
    {
        size_t n = length < m_size ? length : m_size;
        size_t first = n < m_capacity - m_head ? n : m_capacity - m_head;
        memcpy(out, m_data.get() + m_head, first);
        memcpy(out + first, m_data.get(), n - first);
        return n;
    }

    /// Moves up to `length` bytes from the front into `out`.
    size_t take(uint8_t* out, size_t length) { return drop(peek(out, length)); }

    /// Discards up to `length` bytes from the front (what a peek saw and was used); how many.
    size_t drop(size_t length)
    {
        size_t n = length < m_size ? length : m_size;
        m_head = m_capacity ? (m_head + n) % m_capacity : 0;
        m_size -= n;
        return n;
    }

    /// Appends up to `length` bytes (as many as there is space for).
    size_t put(const uint8_t* in, size_t length)
    {
        size_t n = length < space() ? length : space();
        size_t tail = (m_head + m_size) % m_capacity;
        size_t first = n < m_capacity - tail ? n : m_capacity - tail;
        memcpy(m_data.get() + tail, in, first);
        memcpy(m_data.get(), in + first, n - first);
        m_size += n;
        return n;
    }

private:
    struct Free {
        void operator()(uint8_t* p) const { free(p); }
    };
    std::unique_ptr<uint8_t, Free> m_data;
    size_t m_capacity = 0;
    size_t m_head = 0; // where the next take starts
    size_t m_size = 0;
};

} // namespace lib
