#include <net/kernel/datagram_queue.h>

#include <cstdlib>
#include <cstring>

namespace net {

lib::Result<void> DatagramQueue::push(const void* data, size_t length)
{
    auto* message = static_cast<Message*>(malloc(sizeof(Message) + length));
    if (!message)
        return lib::Error(lib::Errno::NOBUFS, "no memory for the message");
    message->next = nullptr;
    message->length = length;
    memcpy(message->bytes, data, length);
    (m_last ? m_last->next : m_first) = message;
    m_last = message;
    m_bytes += length;
    return {};
}

size_t DatagramQueue::take(void* out, size_t capacity, bool peek)
{
    Message* message = m_first;
    if (!message)
        return 0;
    memcpy(out, message->bytes, capacity < message->length ? capacity : message->length);
    size_t length = message->length;
    if (!peek) {
        m_first = message->next;
        if (!m_first)
            m_last = nullptr;
        m_bytes -= length;
        free(message);
    }
    return length;
}

void DatagramQueue::clear()
{
    while (m_first) {
        Message* next = m_first->next;
        free(m_first);
        m_first = next;
    }
    m_last = nullptr;
    m_bytes = 0;
}

} // namespace net
