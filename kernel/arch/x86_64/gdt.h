// The kernel's global descriptor table and task-state segment (Intel SDM vol. 3A §3.4.5,
// §7.7 "Task management in 64-bit mode").
//
// Osprey runs everything in ring 0, including the application, and the application uses
// the System V red zone (the 128 bytes below %rsp). An interrupt delivered on the current
// stack would overwrite it, so every IDT gate names an interrupt stack table (IST) slot and
// the CPU always switches to a fresh stack. The TSS exists only to hold those stacks.
#pragma once

#include <cstddef>
#include <cstdint>

namespace arch {

/// Selectors. boot.S uses the same two (its boot GDT has the same first three entries).
constexpr uint16_t kKernelCodeSelector = 0x08;
constexpr uint16_t kKernelDataSelector = 0x10;
constexpr uint16_t kTssSelector = 0x18; // a 16-byte system descriptor: slots 3 and 4

/// IST slots (1-based, as in the IDT gate's IST field). Each has its own stack, so one kind
/// of event never lands on a stack another kind is using: a double fault or NMI arriving
/// while an exception handler runs does not clobber that handler's frame.
enum class IstSlot : uint8_t {
    DoubleFault = 1,
    Nmi = 2,
    MachineCheck = 3,
    Exception = 4, // every other CPU exception (vectors 0-31)
    Interrupt = 5, // external interrupts and IPIs (vectors 32-255)
};
constexpr size_t kIstSlotCount = 5;

/// One IST stack's bounds, [bottom, top). `guard` is the 4 KiB page right below `bottom`,
/// reserved so that mm can unmap it (see gdt.cpp on guard pages).
struct IstStackBounds {
    uintptr_t guard;
    uintptr_t bottom;
    uintptr_t top;
};

/// Intel SDM vol. 3A §8.7, figure 8-11: the 64-bit TSS.
struct [[gnu::packed]] Tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
};
static_assert(sizeof(Tss) == 104);

/// One CPU's descriptor tables: its GDT (whose TSS descriptor is its own: a TSS cannot be
/// loaded on two CPUs), its TSS and the bounds of its IST stacks. The boot CPU's live in
/// static storage; sched/smp.cpp makes one per application processor. The CPU finds its
/// own through SGDT (the GDT is the first member), so no per-CPU pointer is needed here.
struct CpuTables {
    alignas(16) uint64_t gdt[5];
    alignas(16) Tss tss;
    IstStackBounds stacks[kIstSlotCount]; // indexed by IstSlot - 1
};

/// Loads the boot CPU's static GDT and TSS and reloads %cs, %ds, %es, %ss (%fs and %gs keep
/// their selectors; their bases are set through MSRs). Call once, before idt_init().
void gdt_init();

/// The same for an application processor, with `tables` (which must live as long as the
/// CPU runs) and the IST stacks in `stacks` (indexed by IstSlot - 1; the interrupt slot's
/// is the first thread's interrupt stack). Writes a canary at the bottom of each.
void gdt_init_secondary(CpuTables& tables, const IstStackBounds (&stacks)[kIstSlotCount]);

/// The word at the bottom of every IST stack and every thread's interrupt stack: gone
/// means the stack overflowed (ist_stack_intact).
inline constexpr uint64_t kStackCanary = 0x05b7e1ca9a2dface;

/// Makes `stack` the interrupt stack (IstSlot::Interrupt) of this CPU: the scheduler gives
/// each thread its own, so a preempted thread's frame stays put while others run. The
/// bounds go to the TSS and to this CPU's table, so that ist_slot_containing and
/// ist_stack_intact see the running thread's stack, not the one the CPU started with.
void set_interrupt_stack(const IstStackBounds& stack);

/// Bounds of this CPU's stack behind `slot` (for IstSlot::Interrupt: the running thread's).
IstStackBounds ist_stack(IstSlot slot);

/// This CPU's IST stack that contains `address`, or 0 if none does. Used to tell whether an
/// exception interrupted a handler running on the same stack (its frame is then lost).
uint8_t ist_slot_containing(uintptr_t address);

/// Whether the canary at the bottom of `slot`'s stack is intact (false: the stack
/// overflowed at some point).
bool ist_stack_intact(IstSlot slot);

} // namespace arch
