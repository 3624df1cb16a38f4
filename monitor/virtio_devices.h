// The VM's virtio-mmio devices, made from the command-line options: each gets a 0x200
// register block from kVirtioMmioBase on (one page apart) and its own irqchip line from
// kVirtioIrqs, and a `virtio_mmio.device=` word for the kernel command line.
#pragma once

#include "io_bus.h"
#include "options.h"
#include "passt.h"
#include "virtio/mmio_transport.h"
#include "virtio/net.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace monitor {

inline constexpr uint64_t kVirtioMmioBase = 0xd0000000;
inline constexpr uint32_t kVirtioIrqs[] = { 5, 6, 7, 10, 11 };

class VirtioDevices {
public:
    using RaiseIrq = std::function<void(uint32_t irq)>;

    VirtioDevices() = default;
    VirtioDevices(const VirtioDevices&) = delete;
    ~VirtioDevices();

    /// Opens the disks, the network (a tap, or passt started) and the volumes of `options`
    /// and creates blk, net, 9p (one per volume), then rng devices on `bus`. Returns a
    /// message naming the problem on failure (missing disk file or volume directory, no
    /// passt, too many devices).
    std::string create(const Options& options, const GuestMemory& memory, Bus& bus, RaiseIrq irq);
    /// Adds an already constructed device (tests, net).
    std::string add(std::unique_ptr<virtio::Device> device, const GuestMemory& memory, Bus& bus, RaiseIrq irq);

    /// The virtio_mmio.device= words for the kernel command line.
    const std::vector<std::string>& kernel_options() const { return m_options; }
    virtio::MmioTransport& transport(size_t index) { return *m_transports[index]; }

    struct Net {
        virtio::NetDevice* device = nullptr;
        virtio::MmioTransport* transport = nullptr;
        virtio::FrameLink* link = nullptr;
        int wake_fd = -1;
        const Passt* passt = nullptr; // with --net-user
    };
    /// The virtio-net device, if --net or --net-user was given (device null otherwise).
    const Net& net() const { return m_net; }

    /// Every transport's state, in device order (snapshots; a net device's frames in flight
    /// are lost, as on a link; not with a 9p device, whose open fids cannot be saved).
    void save(StateWriter& out) const;
    /// Errors: INVAL (state for other devices), FAULT (queues outside guest memory).
    lib::Result<void> restore(StateReader& in);

private:
    std::vector<int> m_fds;
    std::vector<std::unique_ptr<virtio::Device>> m_devices;
    std::vector<std::unique_ptr<virtio::MmioTransport>> m_transports;
    std::vector<std::string> m_options;
    std::unique_ptr<Passt> m_passt;
    std::unique_ptr<virtio::FrameLink> m_link;
    Net m_net;

    std::string create_net(const Options& options, const GuestMemory& memory, Bus& bus, RaiseIrq irq);
    std::string create_volume(
        const Options::Volume& volume, size_t max_fids, const GuestMemory& memory, Bus& bus, RaiseIrq irq);
};

} // namespace monitor
