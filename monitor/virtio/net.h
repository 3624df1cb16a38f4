// virtio-net (VIRTIO 1.2 §5.1) on a host frame link (frame_link.h: a tap device, or a
// stream to passt): receiveq 0 and transmitq 1, VIRTIO_NET_F_MAC only, no offloads. Each
// packet carries the 12-byte struct virtio_net_hdr (§5.1.6) in front: stripped on
// transmit, zero with num_buffers = 1 on receive. Frames arrive from the link through a
// poller thread that calls the transport's device_event(0); while the guest has posted no
// receive buffers the device reports rx_blocked() and the poller waits for the guest's
// notify instead.
#pragma once

#include "device.h"
#include "frame_link.h"

#include <array>
#include <string>

namespace monitor::virtio {

inline constexpr size_t kNetHeaderSize = 12;

class NetDevice final : public Device {
public:
    static constexpr uint64_t kFeatureMac = 1ull << 5;

    /// Opens tap interface `name`. Errors: NODEV (no such interface: create it with
    /// `ip tuntap add NAME mode tap`), or the errno of /dev/net/tun or TUNSETIFF.
    static lib::Result<int> open_tap(const std::string& name);

    /// Serves `link` (not owned). `wake_fd` (an eventfd, or -1) is written when the guest
    /// posts receive buffers.
    NetDevice(const GuestMemory& memory, FrameLink& link, int wake_fd, std::array<uint8_t, 6> mac)
        : m_memory(memory), m_link(link), m_wake_fd(wake_fd), m_mac(mac)
    {
    }

    uint32_t device_id() const override { return kDeviceNet; }
    uint64_t features() const override { return kFeatureMac; }
    size_t queue_count() const override { return 2; }
    void read_config(uint64_t offset, std::span<uint8_t> data) const override;
    lib::Result<bool> process(size_t index, Virtqueue& queue) override;
    void reset() override
    {
        m_pending_rx.reset();
        m_rx_blocked = true;
    }
    uint16_t chains_held(size_t index) const override { return index == 0 && m_pending_rx ? 1 : 0; }
    /// With the receive queue set up, looks for its buffers (the poller is woken), as after
    /// a notify.
    void restored(uint64_t ready_queues) override;
    const std::array<uint8_t, 6>& mac() const { return m_mac; }
    /// Whether the guest has no receive buffer posted (until its first notify, true).
    bool rx_blocked() const { return m_rx_blocked; }
    /// Why the link broke (then nothing more is received), if it did: the host's failure,
    /// not the guest's, so the device does not fail the guest's notify for it.
    const std::optional<lib::Error>& link_failure() const { return m_link_failure; }

private:
    /// The guest may have posted receive buffers: the poller looks at the link again.
    void unblock_receive();
    lib::Result<bool> receive(Virtqueue& queue);
    lib::Result<bool> transmit(Virtqueue& queue);
    lib::Result<uint32_t> deliver(const Chain& chain, size_t frame_size);

    const GuestMemory& m_memory;
    FrameLink& m_link;
    int m_wake_fd;
    std::array<uint8_t, 6> m_mac;
    std::optional<Chain> m_pending_rx;
    std::optional<lib::Error> m_link_failure;
    bool m_rx_blocked = true;
    std::array<uint8_t, kNetHeaderSize + kMaxFrameSize> m_frame {};
};

} // namespace monitor::virtio
