#include <drivers/virtio/kernel/rng.h>

#include <drivers/virtio/kernel/probe.h>
#include <kernel/console/log.h>

#include <cstring>

namespace virtio {

namespace {

constexpr uint16_t kRequestQueue = 0; // §5.4.2
constexpr int kMaxEmptyAnswers = 16;

} // namespace

lib::Result<void> RngDevice::init(Transport& transport, DeviceInterrupt* interrupt)
{
    TRY(transport.negotiate(0));
    auto ready = [&]() -> lib::Result<void> {
        m_buffer = TRY(alloc_dma_page());
        TRY(m_queue.setup(transport, kRequestQueue, 8, interrupt));
        return {};
    }();
    if (ready.is_error()) {
        transport.fail();
        return ready.error();
    }
    transport.driver_ok();
    return {};
}

lib::Result<void> RngDevice::read(void* buffer, size_t length)
{
    auto* out = static_cast<uint8_t*>(buffer);
    int empty = 0;
    while (length > 0) {
        uint32_t want = length < 4096 ? uint32_t(length) : 4096;
        Segment chain[] = { { m_buffer.phys, want, Access::DeviceWrites } };
        // The buffer is the device's one page: held until its bytes are taken, as a waiter
        // gives up the big kernel lock to other threads.
        m_queue.acquire();
        auto answered = m_queue.run_held(chain); // never more than `want`: SplitQueue checks
        uint32_t got = answered.is_error() ? 0 : answered.value();
        memcpy(out, m_buffer.virt, got);
        memset(m_buffer.virt, 0, got); // random bytes are not left lying around
        m_queue.release();
        TRY(answered);
        ++m_requests;
        if (got == 0 && ++empty == kMaxEmptyAnswers)
            return lib::Error(lib::Errno::IO, "virtio-rng: device keeps returning no bytes");
        out += got;
        length -= got;
    }
    return {};
}

RngDevice* entropy_device() { return probed_devices().rng; }

bool read_entropy(void* buffer, size_t length)
{
    RngDevice* device = entropy_device();
    if (!device)
        return false;
    auto done = device->read(buffer, length);
    if (done.is_error()) {
        klog::warn(klog::Subsystem::Virtio, "virtio-rng: {} ({}); falling back to the CPU's generator",
            done.error().message, lib::errno_name(done.error().code));
        probed_devices().rng = nullptr;
        return false;
    }
    return true;
}

} // namespace virtio
