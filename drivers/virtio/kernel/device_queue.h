// One virtqueue of a live device, as the device drivers use it: the split ring in DMA
// pages, enabled on the transport, and a synchronous request: submit a chain, notify,
// wait for the device to return it.
//
// Completion: the driver first polls the used ring for a few microseconds (a fast device
// answers within that), then sleeps on the device's interrupt (DeviceInterrupt; the
// thread blocks, and a system call waiting here releases the big kernel lock), looking at
// the ring again at each interrupt and at least every 10 ms (a lost edge costs latency,
// not a hang). Without a routable interrupt it keeps polling. Past kRequestTimeoutNs it
// reports ETIMEDOUT; a device that times out keeps the buffers it holds, so the queue is
// then retired (FAILED status) rather than reused. One request at a time per queue: the
// callers hold the big kernel lock, which a waiter releases, so a second request waits
// (m_busy, a futex word) until the first is back.
#pragma once

#include <drivers/virtio/kernel/device_interrupt.h>
#include <drivers/virtio/kernel/dma.h>

#include <virtio/transport.h>
#include <virtio/virtqueue.h>

#include <lib/result.h>

#include <cstdint>
#include <span>

namespace virtio {

/// How long a request may take before the device counts as hung (generous for QEMU's
/// software emulation on a loaded machine).
constexpr uint64_t kRequestTimeoutNs = 10'000'000'000;

class DeviceQueue {
public:
    /// Sets up queue `index` of `transport` with at most `max_size` entries (rounded down
    /// to a power of two). Call between negotiate() and driver_ok(). Errors: those of the
    /// transport (NODEV: no such queue), NOMEM. `interrupt` (may be null: poll) is the
    /// device's interrupt line.
    lib::Result<void> setup(
        Transport& transport, uint16_t index, uint16_t max_size, DeviceInterrupt* interrupt = nullptr);

    /// Submits `chain`, notifies the device and waits for it to return the chain. Returns
    /// the bytes the device says it wrote (checked against the chain by SplitQueue).
    /// Errors: those of SplitQueue::submit/take_used (the device is marked FAILED after an
    /// EIO), TIMEDOUT (no answer within kRequestTimeoutNs; the queue is retired).
    lib::Result<uint32_t> run(std::span<const Segment> chain);

    /// For drivers that fill a shared buffer before the request and read it after (a
    /// waiter gives up the big kernel lock, so another thread could overwrite it): acquire()
    /// makes the queue this caller's, run_held() is run() inside it, release() gives it up.
    void acquire();
    lib::Result<uint32_t> run_held(std::span<const Segment> chain) { return submit_and_wait(chain); }
    void release();

    /// Asynchronous use, for devices that keep many chains in flight (virtio-net): the
    /// caller owns the waiting and must not mix this with run(). post() places a chain
    /// without notifying; kick() notifies if the device asks for it (after a batch);
    /// take_used() returns the next chain the device finished, or nullopt. Errors: those
    /// of SplitQueue (after an EIO the device is marked FAILED).
    lib::Result<uint16_t> post(std::span<const Segment> chain);
    void kick();
    lib::Result<std::optional<Completion>> take_used();

    uint16_t size() const { return m_queue.size(); }
    uint16_t free_descriptors() const { return m_queue.free_descriptors(); }

private:
    lib::Result<uint32_t> submit_and_wait(std::span<const Segment> chain);
    lib::Result<uint32_t> wait_for(uint16_t head);
    void free_pages();

    Transport* m_transport = nullptr;
    DeviceInterrupt* m_interrupt = nullptr;
    uint32_t m_busy = 0; // a request is in flight (1); others wait on this word
    uint16_t m_index = 0;
    SplitQueue m_queue;
    DmaPage m_pages[3] = {};
};

} // namespace virtio
