#include "net.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace monitor::virtio {

lib::Result<int> NetDevice::open_tap(const std::string& name)
{
    struct stat st;
    if (name.empty() || name.size() >= IFNAMSIZ || name.find('/') != std::string::npos
        || stat(("/sys/class/net/" + name).c_str(), &st) != 0)
        return lib::Error(lib::Errno::NODEV, "no such network interface (create it: ip tuntap add NAME mode tap)");
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return lib::Error(lib::Errno(errno), "cannot open /dev/net/tun");
    ifreq request {};
    memcpy(request.ifr_name, name.data(), name.size());
    request.ifr_flags = IFF_TAP | IFF_NO_PI;
    if (ioctl(fd, TUNSETIFF, &request) < 0) {
        int error = errno;
        close(fd);
        return lib::Error(lib::Errno(error), "TUNSETIFF failed (not a tap device, or no permission)");
    }
    return fd;
}

void NetDevice::read_config(uint64_t offset, std::span<uint8_t> data) const
{
    read_config_bytes(m_mac, offset, data); // §5.1.4: mac[6] first
}

void NetDevice::unblock_receive()
{
    if (m_rx_blocked && m_wake_fd >= 0) {
        uint64_t one = 1;
        (void)!write(m_wake_fd, &one, sizeof(one));
    }
    m_rx_blocked = false;
}

void NetDevice::restored(uint64_t ready_queues)
{
    m_pending_rx.reset(); // saved as not yet popped (chains_held)
    if (ready_queues & 1)
        unblock_receive();
}

lib::Result<bool> NetDevice::process(size_t index, Virtqueue& queue)
{
    if (index == 1)
        return transmit(queue);
    unblock_receive();
    return receive(queue);
}

lib::Result<uint32_t> NetDevice::deliver(const Chain& chain, size_t frame_size)
{
    uint16_t num_buffers = 1;
    memset(m_frame.data(), 0, kNetHeaderSize);
    memcpy(m_frame.data() + 10, &num_buffers, 2);
    size_t done = 0;
    for (const Buffer& buffer : chain.buffers) {
        if (!buffer.device_writable || done == frame_size)
            continue;
        size_t length = std::min<size_t>(buffer.len, frame_size - done);
        TRY(m_memory.write(buffer.addr, std::span(m_frame.data() + done, length)));
        done += length;
    }
    return uint32_t(done); // a frame larger than the buffers arrives truncated
}

lib::Result<bool> NetDevice::receive(Virtqueue& queue)
{
    bool used = false;
    for (;;) {
        if (!m_pending_rx) {
            m_pending_rx = TRY(queue.pop());
            if (!m_pending_rx) {
                m_rx_blocked = true;
                return used;
            }
        }
        if (m_link_failure)
            return used;
        auto received = m_link.receive(std::span(m_frame).subspan(kNetHeaderSize));
        if (received.is_error()) { // the poller reports it and ends the VM
            m_link_failure = received.error();
            return used;
        }
        size_t n = received.value();
        if (!n)
            return used; // nothing more now; the chain stays pending
        TRY(queue.push(m_pending_rx->head, TRY(deliver(*m_pending_rx, kNetHeaderSize + n))));
        m_pending_rx.reset();
        used = true;
    }
}

lib::Result<bool> NetDevice::transmit(Virtqueue& queue)
{
    bool used = false;
    while (auto chain = TRY(queue.pop())) {
        size_t size = 0;
        for (const Buffer& buffer : chain->buffers) {
            if (buffer.device_writable)
                continue;
            size_t length = std::min<size_t>(buffer.len, m_frame.size() - size);
            TRY(m_memory.read(buffer.addr, std::span(m_frame.data() + size, length)));
            size += length;
        }
        if (size > kNetHeaderSize)
            m_link.send(std::span(m_frame).subspan(kNetHeaderSize, size - kNetHeaderSize));
        TRY(queue.push(chain->head, 0));
        used = true;
    }
    return used;
}

} // namespace monitor::virtio
