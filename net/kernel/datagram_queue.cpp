#include <net/kernel/datagram_queue.h>

#include <cstdlib>
#include <cstring>
#include <new>

namespace net {

lib::Result<void> DatagramQueue::push(const void* data, size_t length, const SocketAddress* from, PassedFiles* files)
{
    auto* message = static_cast<Message*>(malloc(sizeof(Message) + length));
    if (!message)
        return lib::Error(lib::Errno::NOBUFS, "no memory for the message");
    message->next = nullptr;
    message->extras = nullptr;
    if ((from && from->length) || (files && !files->empty())) {
        message->extras = new (std::nothrow) Extras;
        if (!message->extras) {
            free(message);
            return lib::Error(lib::Errno::NOBUFS, "no memory for the message");
        }
        if (from)
            message->extras->from = *from;
        if (files)
            message->extras->files.take_from(*files);
    }
    message->length = length;
    memcpy(message->bytes, data, length);
    (m_last ? m_last->next : m_first) = message;
    m_last = message;
    m_bytes += length;
    return {};
}

size_t DatagramQueue::take(void* out, size_t capacity, bool peek, SocketAddress* from, PassedFiles* files)
{
    Message* message = m_first;
    if (!message)
        return 0;
    memcpy(out, message->bytes, capacity < message->length ? capacity : message->length);
    size_t length = message->length;
    if (from)
        *from = message->extras ? message->extras->from : SocketAddress {};
    if (files && message->extras) {
        PassedFiles& carried = message->extras->files;
        if (!peek)
            files->take_from(carried);
        for (size_t i = 0; peek && i < carried.count(); ++i)
            (void)files->add(*carried.at(i)); // at most kMax: cannot fail but for memory
    }
    if (!peek) {
        m_first = message->next;
        if (!m_first)
            m_last = nullptr;
        m_bytes -= length;
        destroy(message);
    }
    return length;
}

void DatagramQueue::destroy(Message* message)
{
    delete message->extras; // drops files nobody took
    free(message);
}

void DatagramQueue::clear()
{
    while (m_first) {
        Message* next = m_first->next;
        destroy(m_first);
        m_first = next;
    }
    m_last = nullptr;
    m_bytes = 0;
}

} // namespace net
