// The virtio-mmio transport, version 2 only (VIRTIO 1.2 §4.2): the register block the
// guest finds through `virtio_mmio.device=<size>@<base>:<irq>` on its command line.
// Registers are 32-bit accesses; configuration space (0x100 on) any width. Interrupts
// are edges on the in-kernel irqchip line (raised then lowered, like KVM's irqfd), with
// InterruptStatus kept until the driver acknowledges it (§4.2.2).
#pragma once

#include "../io_bus.h"
#include "../snapshot_state.h"
#include "device.h"

#include <functional>
#include <optional>
#include <vector>

namespace monitor::virtio {

inline constexpr uint64_t kMmioSize = 0x200;

class MmioTransport final : public BusDevice {
public:
    using Interrupt = std::function<void()>;

    MmioTransport(Device& device, const GuestMemory& memory, Interrupt interrupt);

    void bus_read(uint64_t offset, std::span<uint8_t> data) override;
    /// Errors: a queue set up outside guest memory, or the device's error (malformed
    /// chains): the VM must stop.
    lib::Result<void> bus_write(uint64_t offset, std::span<const uint8_t> data) override;

    /// Serves queue `index` as on a guest notify (a device with its own events, such as
    /// a received frame, calls this). Errors: the device's.
    lib::Result<void> device_event(uint32_t index) { return notify(index); }

    uint32_t status() const { return m_status; }

    /// The transport's registers and each queue's set-up and ring positions (snapshots).
    /// Chains a device holds unused (Device::chains_held) are saved as not yet popped;
    /// device models keep no other state between requests.
    void save(StateWriter& out) const;
    /// Puts saved state back; the queues are checked again as when the driver set them up.
    /// Errors: INVAL or FAULT (state that does not fit this device or this guest memory).
    lib::Result<void> restore(StateReader& in);

private:
    struct Queue {
        QueueConfig config;
        bool ready = false;
        std::optional<Virtqueue> ring;
    };
    uint32_t read_register(uint64_t offset) const;
    lib::Result<void> write_register(uint64_t offset, uint32_t value);
    lib::Result<void> set_queue_ready(uint32_t value);
    lib::Result<void> notify(uint32_t index);
    void set_status(uint32_t value);
    void reset();
    Queue* selected() { return m_queue_sel < m_queues.size() ? &m_queues[m_queue_sel] : nullptr; }

    Device& m_device;
    const GuestMemory& m_memory;
    Interrupt m_interrupt;
    std::vector<Queue> m_queues;
    uint32_t m_status = 0, m_interrupt_status = 0;
    uint32_t m_device_features_sel = 0, m_driver_features_sel = 0, m_queue_sel = 0;
    uint64_t m_driver_features = 0;
};

} // namespace monitor::virtio
