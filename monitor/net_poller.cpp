#include "net_poller.h"

#include <cstdint>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace monitor {

NetPoller::NetPoller(const VirtioDevices::Net& net, std::mutex& device_lock, RunState& state)
    : m_net(net), m_device_lock(device_lock), m_state(state), m_stop_fd(eventfd(0, EFD_CLOEXEC))
{
    m_thread = std::thread([this] { loop(); });
}

NetPoller::~NetPoller()
{
    uint64_t one = 1;
    (void)!write(m_stop_fd, &one, sizeof(one));
    m_thread.join();
    close(m_stop_fd);
}

void NetPoller::loop()
{
    pthread_setname_np(pthread_self(), "net-poller"); // tests/kvm/net_stopped_device.sh finds it so
    for (;;) {
        bool blocked;
        {
            std::lock_guard guard(m_device_lock);
            blocked = m_net.device->rx_blocked();
        }
        pollfd fds[3] = { { m_stop_fd, POLLIN, 0 }, { m_net.wake_fd, POLLIN, 0 }, { m_net.link->fd(), POLLIN, 0 } };
        if (poll(fds, blocked ? 2 : 3, -1) < 0)
            continue;
        if (fds[0].revents)
            return;
        uint64_t count;
        if (fds[1].revents)
            (void)!read(m_net.wake_fd, &count, sizeof(count));
        if (blocked || !(fds[2].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        std::lock_guard guard(m_device_lock);
        if (auto served = m_net.transport->device_event(0); served.is_error())
            m_state.stop(
                kExitGuestFault, std::string("osprey-monitor: guest fault: virtio-net: ") + served.error().message);
        if (const auto& failure = m_net.device->link_failure()) {
            std::string said = m_net.passt ? m_net.passt->messages() : "";
            m_state.stop(kExitHostFailure,
                std::string("osprey-monitor: the VM's network failed: ") + failure->message
                    + (said.empty() ? "" : "; passt said: " + said));
            return;
        }
    }
}

} // namespace monitor
