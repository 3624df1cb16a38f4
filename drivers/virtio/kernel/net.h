// virtio network device (VIRTIO 1.2 §5.1): receiveq 0 and transmitq 1, VIRTIO_NET_F_MAC,
// no offloads yet. Every frame carries the 12-byte struct virtio_net_hdr (§5.1.6) in
// front. Buffers are 2 KiB slots in DMA pages, two per page, one descriptor each: the
// receive queue is kept full of them, a frame to send is copied into a free transmit slot.
// The network stack (net/) drives it from its thread and reaches it only with the big
// kernel lock held, so the device needs no lock of its own.
//
// Partial: frames are copied in both directions (the stack's buffers are not placed in the
// ring), no checksum offload, TSO or mergeable receive buffers.
#pragma once

#include <drivers/virtio/kernel/device_queue.h>

#include <virtio/transport.h>

#include <lib/result.h>

#include <cstddef>
#include <cstdint>

namespace virtio {

class NetDevice {
public:
    /// Largest Ethernet frame without its FCS (1500-byte MTU plus the 14-byte header).
    static constexpr size_t kMaxFrame = 1514;

    /// Initialises the device (§5.1.5) with both queues and fills the receive queue.
    /// Errors: those of negotiation and queue set-up, NOMEM; the device is FAILED after one.
    lib::Result<void> init(Transport& transport, DeviceInterrupt* interrupt);

    /// The device's MAC address (§5.1.4; a locally administered one if it offers none).
    const uint8_t* mac() const { return m_mac; }
    DeviceInterrupt* interrupt() const { return m_interrupt; }

    using FrameSink = void (*)(void* context, const uint8_t* frame, size_t length);
    /// Hands each frame the device has received to `sink` (at most `budget` of them) and
    /// gives the buffers back to the device. Returns how many frames came. Errors: IO (the
    /// device answered wrong; it is FAILED and receives nothing more).
    lib::Result<size_t> receive(FrameSink sink, void* context, size_t budget);

    using FrameSource = void (*)(void* context, uint8_t* out, size_t length);
    /// Sends one frame of `length` bytes (at most kMaxFrame), which `fill` writes into the
    /// transmit buffer. Errors: INVAL (too long), AGAIN (every transmit buffer is in flight:
    /// the caller drops the frame, as a full NIC queue would), IO.
    lib::Result<void> transmit(size_t length, FrameSource fill, void* context);

    /// Whether frames given to transmit() are still in flight (the device has not used
    /// them yet: QEMU, for one, sends from a later step of its main loop). Errors: IO.
    lib::Result<bool> transmitting();

    uint64_t frames_received() const { return m_frames_received; }
    uint64_t frames_sent() const { return m_frames_sent; }

private:
    static constexpr size_t kSlotBytes = 2048;
    static constexpr size_t kSlotsPerPage = 4096 / kSlotBytes;
    static constexpr size_t kMaxSlots = kMaxQueueSize;

    struct Slots {
        DmaPage pages[kMaxSlots / kSlotsPerPage] = {};
        uint16_t count = 0;
        uint8_t* virt(uint16_t slot) const
        {
            return static_cast<uint8_t*>(pages[slot / kSlotsPerPage].virt) + slot % kSlotsPerPage * kSlotBytes;
        }
        uint64_t phys(uint16_t slot) const
        {
            return pages[slot / kSlotsPerPage].phys + slot % kSlotsPerPage * kSlotBytes;
        }
    };

    lib::Result<void> allocate(Slots& slots, uint16_t count);
    lib::Result<void> post_receive(uint16_t slot);
    lib::Result<void> reclaim_transmitted();

    Transport* m_transport = nullptr;
    DeviceInterrupt* m_interrupt = nullptr;
    DeviceQueue m_receive_queue;
    DeviceQueue m_transmit_queue;
    Slots m_receive_slots;
    Slots m_transmit_slots;
    uint16_t m_receive_slot_of[kMaxQueueSize] = {}; // by descriptor head: the slot posted
    uint16_t m_transmit_slot_of[kMaxQueueSize] = {};
    uint16_t m_free_transmit[kMaxSlots] = {}; // a stack of free transmit slots
    uint16_t m_free_transmit_count = 0;
    uint8_t m_mac[6] = {};
    uint64_t m_frames_received = 0;
    uint64_t m_frames_sent = 0;
};

/// The first network device found at boot, or nullptr.
NetDevice* network_device();

} // namespace virtio
