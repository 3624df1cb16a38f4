// The other processors: found in the ACPI MADT, started on the first spawn (a program
// that never makes a thread never pays for them), each with its own descriptor tables,
// IST stacks, idle thread and per-CPU block, all made here before it starts. An AP runs
// ap_start.S's trampoline, then ap_main below, then the idle loop, and from then on
// takes threads from the shared run queue like the boot CPU.
#include "kernel_stack.h"
#include "scheduler_state.h"

#include <sched/scheduler.h>

#include <abi/acpi.h>
#include <kernel/arch/x86_64/system_call_instruction.h>
#include <kernel/arch/x86_64/ap_start.h>
#include <kernel/arch/x86_64/gdt.h>
#include <kernel/arch/x86_64/idt.h>
#include <kernel/arch/x86_64/io.h>
#include <kernel/arch/x86_64/lapic.h>
#include <kernel/arch/x86_64/tsc.h>
#include <kernel/arch/x86_64/layout.h>
#include <kernel/arch/x86_64/tlb.h>
#include <kernel/console/log.h>
#include <mm/memory.h>

#include <cstring>
#include <memory>
#include <utility>

namespace sched {

namespace {

// What this file knows of the machine's processors.
struct SmpSetup {
    uint64_t rsdp_address = 0;
    uint64_t trampoline_page = 0;
    bool discovered = false;
    bool started = false;
    size_t processor_count = 1;
    uint32_t apic_ids[kMaxCpus] = {};
    acpi::IoApic io_apics[acpi::kMaxIoApics] = {};
    size_t io_apic_count = 0;
};

lib::Guarded<SmpSetup, arch::SpinLock>& smp_setup()
{
    static lib::Guarded<SmpSetup, arch::SpinLock> setup;
    return setup;
}

// An AP's own data: made by start_secondary_cpus, never freed (CPUs do not go away).
struct SecondaryCpu {
    Cpu cpu {};
    Thread idle;
    arch::CpuTables tables {};
    arch::IstStackBounds stacks[arch::kIstSlotCount] {};
};

constexpr uint64_t kKernelMappedLow = 1ull << 30; // the first GiB, at KERNEL_VMA_BASE
constexpr size_t kExceptionStackSize = 32768;     // as the boot CPU's (gdt.cpp)

// ACPI tables below 1 GiB are read through the kernel's mapping of that GiB; above it
// (large VMs), through an uncached device mapping, which costs a little window space once.
bool read_physical(void*, uint64_t address, void* out, size_t length)
{
    if (address < kKernelMappedLow && length <= kKernelMappedLow - address) {
        memcpy(out, reinterpret_cast<const void*>(KERNEL_VMA_BASE + address), length);
        return true;
    }
    auto mapped = mm::map_device_memory(address, length);
    if (mapped.is_error())
        return false;
    memcpy(out, const_cast<const void*>(mapped.value()), length);
    return true;
}

// ACPI §5.2.5.1: without a pointer from the VMM, the RSDP sits on a 16-byte boundary in
// the BIOS read-only area 0xE0000-0xFFFFF.
uint64_t search_rsdp()
{
    for (uint64_t address = 0xe0000; address < 0x100000; address += 16) {
        acpi::Rsdp rsdp;
        read_physical(nullptr, address, &rsdp, acpi::kRsdpV1Size);
        if (memcmp(rsdp.signature, acpi::kRsdpSignature, 8) == 0 && acpi::checksum_byte(&rsdp, acpi::kRsdpV1Size) == 0)
            return address;
    }
    return 0;
}

void discover(SmpSetup& found, uint64_t rsdp_address)
{
    found.discovered = true;
    if (!rsdp_address)
        rsdp_address = search_rsdp();
    std::unique_ptr<uint8_t[]> scratch(new uint8_t[2 * acpi::kMaxTableSize]);
    if (!rsdp_address || !scratch) {
        klog::debug(klog::Subsystem::Sched, "no ACPI tables: one CPU");
        return;
    }
    auto processors = acpi::find_processors(read_physical, nullptr, rsdp_address, scratch.get());
    if (!processors.count) {
        klog::warn(klog::Subsystem::Sched, "ACPI at {:#x}: {}; running on one CPU", rsdp_address, processors.error);
        return;
    }
    found.processor_count = processors.count;
    memcpy(found.apic_ids, processors.apic_ids, processors.count * sizeof(uint32_t));
    found.io_apic_count = processors.io_apic_count;
    memcpy(found.io_apics, processors.io_apics, processors.io_apic_count * sizeof(acpi::IoApic));
}

// The CPU block, idle thread, descriptor tables and stacks of the AP `apic_id`; returns
// it with the stack it starts on in `start_stack`.
lib::Result<SecondaryCpu*> make_secondary_cpu(uint32_t apic_id, uintptr_t& start_stack)
{
    auto* secondary = new SecondaryCpu;
    if (!secondary)
        return lib::Error(lib::Errno::NOMEM, "no memory for a CPU");
    // Never freed, as the CPU lives as long as the VM: on an error, what was made stays.
    start_stack = TRY(allocate_kernel_stack()).top;
    KernelStack interrupt = TRY(allocate_kernel_stack());
    using arch::IstSlot;
    secondary->stacks[size_t(IstSlot::DoubleFault) - 1] = interrupt_stack_bounds(TRY(allocate_kernel_stack()));
    secondary->stacks[size_t(IstSlot::Nmi) - 1] = interrupt_stack_bounds(TRY(allocate_kernel_stack()));
    secondary->stacks[size_t(IstSlot::MachineCheck) - 1] = interrupt_stack_bounds(TRY(allocate_kernel_stack()));
    KernelStack exception = TRY(allocate_kernel_stack(kExceptionStackSize));
    secondary->stacks[size_t(IstSlot::Exception) - 1] = interrupt_stack_bounds(exception);
    secondary->stacks[size_t(IstSlot::Interrupt) - 1] = interrupt_stack_bounds(interrupt);
    Thread& idle = secondary->idle;
    idle.tid = 0;
    // Owned by the CPU, not the thread (mapping 0): its canary is gdt.cpp's.
    idle.interrupt_stack = { 0, interrupt.bottom, interrupt.top, interrupt.guard };
    idle.cpu = &secondary->cpu;
    secondary->cpu = { &secondary->cpu, &idle, &idle, 0, 0, apic_id, 0, 0, 0 };
    return secondary;
}

} // namespace

void set_secondary_cpu_hardware(uint64_t rsdp_address, uint64_t trampoline_page)
{
    smp_setup().with([&](SmpSetup& setup) {
        setup.rsdp_address = rsdp_address;
        setup.trampoline_page = trampoline_page;
    });
}

namespace {

// The discovered setup (discovering it on first use).
SmpSetup discovered_setup()
{
    SmpSetup copy = smp_setup().with([](SmpSetup& setup) { return setup; });
    if (copy.discovered)
        return copy;
    discover(copy, copy.rsdp_address); // outside the spinlock: it allocates and maps
    return smp_setup().with([&](SmpSetup& setup) {
        if (!setup.discovered) {
            bool started = setup.started;
            setup = copy;
            setup.started = started;
        }
        return setup;
    });
}

} // namespace

size_t processor_count() { return discovered_setup().processor_count; }

size_t io_apics(acpi::IoApic (&out)[acpi::kMaxIoApics])
{
    SmpSetup setup = discovered_setup();
    memcpy(out, setup.io_apics, sizeof(out));
    return setup.io_apic_count;
}

void start_secondary_cpus()
{
    // Every spawn calls this: after the first, one flag under the lock is all it costs.
    if (smp_setup().with([](SmpSetup& setup) { return std::exchange(setup.started, true); }))
        return;
    size_t count = processor_count();
    SmpSetup setup = smp_setup().with([](SmpSetup& setup) { return setup; });
    if (count <= 1)
        return;
    if (!arch::lapic_ready() || !setup.trampoline_page) {
        klog::warn(klog::Subsystem::Sched, "{} CPUs, but {}: running on one", count,
            !arch::lapic_ready() ? "no local APIC" : "no free page below 1 MiB to start them from");
        return;
    }
    install_locked_fault_handlers();
    arch::tlb_cpu_online(); // the boot CPU answers shootdowns from now on
    uint32_t self = arch::lapic_id();
    arch::ApSlot slots[kMaxCpus];
    size_t started = 0;
    for (size_t i = 0; i < count; ++i) {
        uint32_t apic_id = setup.apic_ids[i];
        if (apic_id == self)
            continue;
        if (apic_id > 0xff) { // the xAPIC's 8-bit destination field
            klog::warn(klog::Subsystem::Sched, "APIC ID {} needs x2APIC mode: that CPU stays off", apic_id);
            continue;
        }
        uintptr_t stack = 0;
        auto made = make_secondary_cpu(apic_id, stack);
        if (made.is_error()) {
            klog::warn(klog::Subsystem::Sched, "cannot set up CPU with APIC ID {}: {}", apic_id, made.error().message);
            break;
        }
        slots[started++] = { apic_id, 0, stack, reinterpret_cast<uint64_t>(made.value()) };
    }
    uint64_t cr3;
    asm volatile("mov %%cr3, %0" : "=r"(cr3));
    auto* page = reinterpret_cast<void*>(KERNEL_VMA_BASE + setup.trampoline_page);
    if (auto installed = arch::install_ap_trampoline(page, std::span(slots, started), cr3); installed.is_error()) {
        klog::warn(klog::Subsystem::Sched, "cannot start the other CPUs: {}", installed.error().message);
        return;
    }
    lock_state()->starting_cpus = started;
    for (size_t i = 0; i < started; ++i)
        arch::lapic_start_processor(uint8_t(slots[i].apic_id), setup.trampoline_page);
    klog::debug(klog::Subsystem::Sched, "starting {} more CPUs from page {:#x}", started, setup.trampoline_page);
}

void wait_for_secondary_cpus()
{
    constexpr uint64_t kJoinWaitNs = 2'000'000'000; // APs join in milliseconds, even under TCG
    uint64_t deadline = arch::monotonic_ns() + kJoinWaitNs;
    while (arch::monotonic_ns() < deadline) {
        {
            auto state = lock_state();
            if (state->cpu_count >= 1 + state->starting_cpus)
                return;
        }
        asm volatile("pause");
    }
}

} // namespace sched

/// An AP's first C++ code (ap_start.S), on its start stack: its own tables, then the idle
/// loop, as the boot CPU's idle thread.
extern "C" [[noreturn]] void ap_main(void* argument)
{
    auto& secondary = *static_cast<sched::SecondaryCpu*>(argument);
    arch::gdt_init_secondary(secondary.tables, secondary.stacks);
    arch::idt_load();
    arch::system_call_instruction_init();
    arch::wrmsr(arch::kMsrGsBase, reinterpret_cast<uint64_t>(&secondary.cpu));
    uint32_t mxcsr = 0x1f80; // all SSE exceptions masked (psABI §3.2.1), as on the boot CPU
    asm volatile("fninit; ldmxcsr %0" ::"m"(mxcsr));
    arch::lapic_init_secondary();
    arch::tlb_cpu_online();
    {
        auto state = sched::lock_state();
        sched::add_cpu_locked(*state, secondary.cpu);
    }
    klog::debug(klog::Subsystem::Sched, "CPU {} up (APIC ID {})", secondary.cpu.index, secondary.cpu.apic_id);
    sched::idle_loop();
}
