#include <drivers/virtio/kernel/device_interrupt.h>

#include <kernel/console/log.h>
#include <sched/device_interrupt.h>
#include <sched/futex.h>

namespace virtio {

void DeviceInterrupt::attach(Transport& transport, uint32_t gsi)
{
    m_transport = &transport;
    m_gsi = gsi;
}

bool DeviceInterrupt::ready()
{
    if (m_state != State::Untried)
        return m_state == State::Routed;
    auto routed = m_transport ? sched::route_device_interrupt(m_gsi, on_interrupt, this)
                              : lib::Error(lib::Errno::NODEV, "no device");
    m_state = routed.is_error() ? State::Unavailable : State::Routed;
    // The I/O APIC pin is edge-triggered and virtio-mmio's line is a level: a line the
    // device raised before the routing (a frame that came at boot) would never make an
    // edge again. Acknowledging drops it; the caller looks at its rings next.
    if (!routed.is_error())
        m_transport->acknowledge_interrupt();
    if (routed.is_error())
        klog::info(klog::Subsystem::Virtio, "irq {}: {}; the driver polls", m_gsi, routed.error().message);
    return false; // just routed: an answer that came before raised no interrupt, so look again first
}

void DeviceInterrupt::wait(uint32_t seen, uint64_t deadline_ns)
{
    (void)sched::futex_wait(&m_events, seen, sched::kFutexBitsetMatchAny, deadline_ns);
}

void DeviceInterrupt::on_interrupt(void* self)
{
    auto& interrupt = *static_cast<DeviceInterrupt*>(self);
    // The line must drop before the next event can make an edge: a cause that came while
    // the first was being acknowledged keeps it up, so acknowledge until none is left.
    for (int round = 0; round < 16 && interrupt.m_transport->acknowledge_interrupt() != 0; ++round) { }
    __atomic_fetch_add(&interrupt.m_events, 1, __ATOMIC_RELEASE);
    sched::futex_wake(&interrupt.m_events, SIZE_MAX, sched::kFutexBitsetMatchAny);
    if (interrupt.m_listener)
        interrupt.m_listener(interrupt.m_listener_context);
}

} // namespace virtio
