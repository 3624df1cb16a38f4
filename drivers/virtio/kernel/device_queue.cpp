#include <drivers/virtio/kernel/device_queue.h>

#include <kernel/arch/x86_64/tsc.h>
#include <sched/futex.h>

namespace virtio {

namespace {

constexpr uint64_t kPollNs = 20'000;        // polled before sleeping on the interrupt
constexpr uint64_t kRecheckNs = 10'000'000; // the ring is looked at again at least this often

uint16_t power_of_two_at_most(uint16_t n)
{
    uint16_t p = 1;
    while (p * 2u <= n)
        p = uint16_t(p * 2);
    return p;
}

} // namespace

lib::Result<void> DeviceQueue::setup(
    Transport& transport, uint16_t index, uint16_t max_size, DeviceInterrupt* interrupt)
{
    uint16_t device_max = TRY(transport.queue_max_size(index));
    uint16_t size = power_of_two_at_most(device_max < max_size ? device_max : max_size);
    // One page per part: the descriptor table of kMaxQueueSize entries fills exactly one.
    static_assert(descriptor_table_bytes(kMaxQueueSize) <= 4096 && used_ring_bytes(kMaxQueueSize) <= 4096);
    for (DmaPage& page : m_pages) {
        auto allocated = alloc_dma_page();
        if (allocated.is_error()) {
            free_pages();
            return allocated.error();
        }
        page = allocated.value();
    }
    RingMemory memory { m_pages[0].virt, m_pages[0].phys, m_pages[1].virt, m_pages[1].phys, m_pages[2].virt,
        m_pages[2].phys };
    auto ready = m_queue.init(size, memory);
    if (!ready.is_error())
        ready = transport.enable_queue(
            index, size, QueueAddresses { memory.desc_phys, memory.avail_phys, memory.used_phys });
    if (ready.is_error()) { // the device never saw the rings: the pages can go back
        free_pages();
        return ready.error();
    }
    m_transport = &transport;
    m_interrupt = interrupt;
    m_index = index;
    return {};
}

void DeviceQueue::free_pages()
{
    for (DmaPage& page : m_pages) {
        if (page.virt)
            free_dma_page(page);
        page = {};
    }
}

lib::Result<uint32_t> DeviceQueue::run(std::span<const Segment> chain)
{
    // One request at a time: a request that sleeps on the interrupt releases the big kernel
    // lock, and another thread's request must not go in meanwhile (wait_for takes the
    // first returned chain as its own, and the drivers share one buffer per device).
    acquire();
    auto done = submit_and_wait(chain);
    release();
    return done;
}

void DeviceQueue::acquire()
{
    while (__atomic_load_n(&m_busy, __ATOMIC_ACQUIRE))
        (void)sched::futex_wait(&m_busy, 1, sched::kFutexBitsetMatchAny, 0);
    m_busy = 1;
}

void DeviceQueue::release()
{
    __atomic_store_n(&m_busy, 0, __ATOMIC_RELEASE);
    sched::futex_wake(&m_busy, 1, sched::kFutexBitsetMatchAny);
}

lib::Result<uint32_t> DeviceQueue::submit_and_wait(std::span<const Segment> chain)
{
    uint16_t head = TRY(post(chain));
    kick();
    return wait_for(head);
}

lib::Result<uint16_t> DeviceQueue::post(std::span<const Segment> chain)
{
    if (!m_transport)
        return lib::Error(lib::Errno::IO, "virtio: queue not set up or retired");
    return m_queue.submit(chain);
}

void DeviceQueue::kick()
{
    if (m_transport && m_queue.device_wants_notification())
        m_transport->notify(m_index);
}

lib::Result<std::optional<Completion>> DeviceQueue::take_used()
{
    auto used = m_queue.take_used();
    if (used.is_error() && m_transport)
        m_transport->fail();
    return used;
}

lib::Result<uint32_t> DeviceQueue::wait_for(uint16_t head)
{
    uint64_t start = arch::monotonic_ns();
    uint64_t deadline = start + kRequestTimeoutNs;
    for (;;) {
        uint32_t seen = m_interrupt ? m_interrupt->events() : 0; // before the look: no lost wake-up
        auto used = m_queue.take_used();
        if (used.is_error()) {
            m_transport->fail();
            return used.error();
        }
        if (used.value()) {
            m_transport->acknowledge_interrupt();
            if (used.value()->head != head) // one request at a time: nothing else is in flight
                return lib::Error(lib::Errno::IO, "virtio: device returned another chain");
            return used.value()->written;
        }
        uint64_t now = arch::monotonic_ns();
        if (now > deadline) {
            m_transport->fail();
            m_transport = nullptr;
            return lib::Error(lib::Errno::TIMEDOUT, "virtio: device did not answer within 10 s");
        }
        if (m_interrupt && now - start > kPollNs && m_interrupt->ready())
            m_interrupt->wait(seen, now + kRecheckNs < deadline ? now + kRecheckNs : deadline);
        else
            asm volatile("pause");
    }
}

} // namespace virtio
