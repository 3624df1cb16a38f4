// Device interrupts (device_interrupt.h): one vector per routed GSI, from
// kFirstDeviceVector up, each with its handler; the I/O APICs' registers are mapped on
// first use. Every device interrupt goes to the boot CPU.
#include "scheduler_state.h"

#include <sched/device_interrupt.h>

#include <kernel/arch/x86_64/ioapic.h>
#include <kernel/arch/x86_64/lapic.h>
#include <mm/memory.h>

namespace sched {

namespace {

constexpr uint8_t kFirstDeviceVector = 0x40;
constexpr size_t kMaxDeviceVectors = 32;

struct Route {
    DeviceInterruptHandler handler = nullptr;
    void* context = nullptr;
};

struct Chip {
    volatile uint32_t* registers = nullptr; // mapped on first use
    uint32_t gsi_base = 0;
    uint32_t pins = 0;
};

struct DeviceRoutes {
    Route routes[kMaxDeviceVectors];
    Chip chips[acpi::kMaxIoApics];
    size_t used = 0;
};

lib::Guarded<DeviceRoutes, arch::SpinLock>& device_routes()
{
    static lib::Guarded<DeviceRoutes, arch::SpinLock> routes;
    return routes;
}

arch::InterruptResult on_device_interrupt(arch::InterruptFrame& frame)
{
    size_t index = frame.vector - kFirstDeviceVector;
    // Written once before the vector is unmasked, read-only afterwards.
    Route route = device_routes().with([&](DeviceRoutes& routes) { return routes.routes[index]; });
    if (route.handler)
        route.handler(route.context);
    arch::lapic_end_of_interrupt();
    return arch::InterruptResult::Handled;
}

} // namespace

lib::Result<void> route_device_interrupt(uint32_t gsi, DeviceInterruptHandler handler, void* context)
{
    TRY(start_timer()); // the local APIC: it delivers the vector and takes the EOI
    acpi::IoApic found[acpi::kMaxIoApics];
    size_t count = io_apics(found);
    // Map every I/O APIC's registers first, outside the spinlock (mapping may allocate).
    Chip chips[acpi::kMaxIoApics];
    bool mapped = device_routes().with([&](DeviceRoutes& routes) {
        for (size_t i = 0; i < count; ++i)
            chips[i] = routes.chips[i];
        return count == 0 || chips[0].registers;
    });
    if (!mapped) {
        for (size_t i = 0; i < count; ++i) {
            auto registers = TRY(mm::map_device_memory(found[i].address, 0x20));
            auto* words = const_cast<volatile uint32_t*>(static_cast<volatile uint32_t*>(registers));
            chips[i] = { words, found[i].gsi_base, arch::ioapic_pin_count(words) };
        }
    }
    auto boot_cpu = uint8_t(lock_state()->cpus[0]->apic_id);
    auto routes = device_routes().lock();
    if (!routes->chips[0].registers)
        for (size_t i = 0; i < count; ++i)
            routes->chips[i] = chips[i];
    for (size_t i = 0; i < count; ++i) {
        const Chip& chip = routes->chips[i];
        if (gsi < chip.gsi_base || gsi - chip.gsi_base >= chip.pins)
            continue;
        if (routes->used == kMaxDeviceVectors)
            return lib::Error(lib::Errno::NOSPC, "every device interrupt vector is taken");
        auto vector = uint8_t(kFirstDeviceVector + routes->used);
        routes->routes[routes->used++] = { handler, context };
        arch::set_interrupt_handler(vector, on_device_interrupt);
        arch::ioapic_route(chip.registers, gsi - chip.gsi_base, vector, boot_cpu);
        return {};
    }
    return lib::Error(lib::Errno::NODEV, count ? "no I/O APIC serves that interrupt" : "no I/O APIC (no ACPI MADT)");
}

} // namespace sched
