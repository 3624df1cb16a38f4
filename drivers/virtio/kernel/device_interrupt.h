// A virtio device's interrupt line, as its queues wait on it: routed on the first wait
// that needs it (sched::route_device_interrupt), then every interrupt acknowledges the
// device, counts one event and wakes the waiters. Where the line cannot be routed (no
// ACPI, no I/O APIC), waits fall back to polling.
#pragma once

#include <virtio/transport.h>

#include <cstdint>

namespace virtio {

class DeviceInterrupt {
public:
    /// The device behind `transport`, interrupting on global system interrupt `gsi`.
    void attach(Transport& transport, uint32_t gsi);

    /// Whether interrupts arrive and may be waited for: routes the line on the first call,
    /// which returns false (an answer that came before the routing raised no interrupt:
    /// the caller looks at its ring again first).
    bool ready();

    /// Interrupts so far (read before looking at the rings; pass to wait()).
    uint32_t events() const { return __atomic_load_n(&m_events, __ATOMIC_ACQUIRE); }

    /// Sleeps until an interrupt after `seen` (events()) or monotonic `deadline_ns`,
    /// whichever is first; returns at once if one came already. A signal for the thread
    /// also ends the sleep.
    void wait(uint32_t seen, uint64_t deadline_ns);

    /// Also calls `listener(context)` from each interrupt, in interrupt context, after
    /// counting it: for a driver whose waiting happens elsewhere (the network stack's
    /// thread waits on its own word). Set before the line is routed.
    void set_listener(void (*listener)(void*), void* context)
    {
        m_listener = listener;
        m_listener_context = context;
    }

private:
    static void on_interrupt(void* self);

    enum class State : uint8_t { Untried, Routed, Unavailable };
    Transport* m_transport = nullptr;
    uint32_t m_gsi = 0;
    uint32_t m_events = 0; // a futex word: the interrupt handler bumps it and wakes it
    State m_state = State::Untried;
    void (*m_listener)(void*) = nullptr;
    void* m_listener_context = nullptr;
};

} // namespace virtio
