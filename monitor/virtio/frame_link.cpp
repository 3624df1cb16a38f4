#include "frame_link.h"

#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

namespace monitor::virtio {

namespace {

constexpr size_t kLengthSize = 4;
constexpr size_t kBufferSize = 4 * (kLengthSize + kMaxFrameSize);

} // namespace

lib::Result<size_t> TapLink::receive(std::span<uint8_t> frame)
{
    ssize_t n = read(m_fd, frame.data(), frame.size());
    return n > 0 ? size_t(n) : 0; // EAGAIN: nothing now
}

void TapLink::send(std::span<const uint8_t> frame) { (void)!write(m_fd, frame.data(), frame.size()); }

StreamLink::StreamLink(int fd) : m_fd(fd), m_buffer(new uint8_t[kBufferSize]) { }

lib::Result<size_t> StreamLink::receive(std::span<uint8_t> frame)
{
    for (;;) {
        if (m_broken)
            return lib::Error(lib::Errno::IO, "the network backend's stream is broken");
        size_t have = m_end - m_start;
        if (have >= kLengthSize) {
            const uint8_t* p = m_buffer.get() + m_start;
            size_t length = size_t(p[0]) << 24 | size_t(p[1]) << 16 | size_t(p[2]) << 8 | p[3];
            if (length == 0 || length > kMaxFrameSize || length > frame.size()) {
                m_broken = true;
                return lib::Error(lib::Errno::INVAL, "the network backend sent a frame length out of bounds");
            }
            if (have >= kLengthSize + length) {
                memcpy(frame.data(), p + kLengthSize, length);
                m_start += kLengthSize + length;
                return length;
            }
        }
        if (m_start && m_end + kLengthSize + kMaxFrameSize > kBufferSize) { // room for a whole frame
            memmove(m_buffer.get(), m_buffer.get() + m_start, have);
            m_start = 0, m_end = have;
        }
        ssize_t n = recv(m_fd, m_buffer.get() + m_end, kBufferSize - m_end, MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            return 0;
        if (n <= 0) {
            m_broken = true;
            if (n == 0)
                return lib::Error(lib::Errno::IO, "the network backend closed its end");
            return lib::Error(lib::Errno(errno), "reading the network backend's stream failed");
        }
        m_end += size_t(n);
    }
}

void StreamLink::send(std::span<const uint8_t> frame)
{
    if (m_broken || frame.empty() || frame.size() > kMaxFrameSize)
        return;
    uint32_t length = uint32_t(frame.size());
    uint8_t prefix[kLengthSize]
        = { uint8_t(length >> 24), uint8_t(length >> 16), uint8_t(length >> 8), uint8_t(length) };
    iovec parts[2] = { { prefix, kLengthSize }, { const_cast<uint8_t*>(frame.data()), frame.size() } };
    size_t left = kLengthSize + frame.size();
    iovec* part = parts;
    int count = 2;
    while (left) {
        msghdr message {};
        message.msg_iov = part;
        message.msg_iovlen = size_t(count);
        ssize_t n = sendmsg(m_fd, &message, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            m_broken = true; // the reader sees it at its next receive
            return;
        }
        left -= size_t(n);
        for (size_t done = size_t(n); done && count;) { // step past what went
            size_t step = std::min(done, part->iov_len);
            part->iov_base = static_cast<uint8_t*>(part->iov_base) + step;
            part->iov_len -= step;
            done -= step;
            if (!part->iov_len)
                ++part, --count;
        }
    }
}

} // namespace monitor::virtio
