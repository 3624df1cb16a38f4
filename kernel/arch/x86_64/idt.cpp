#include <kernel/arch/x86_64/idt.h>
#include <kernel/arch/x86_64/thread_pointer.h>

#include <kernel/arch/x86_64/gdt.h>

extern "C" const char interrupt_stubs[]; // interrupt_entry.S: 256 stubs, 16 bytes apart

namespace arch {

namespace {

// Intel SDM vol. 3A §6.14.1, figure 6-8: a 64-bit IDT gate descriptor.
struct IdtGate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attributes;
    uint16_t offset_middle;
    uint32_t offset_high;
    uint32_t reserved;
};
static_assert(sizeof(IdtGate) == 16);

struct [[gnu::packed]] IdtPointer {
    uint16_t limit;
    uint64_t base;
};

constexpr uint8_t kInterruptGate = 0x8e; // present, DPL 0, 64-bit interrupt gate (IF cleared)
constexpr size_t kStubStride = 16;
constexpr uint8_t kNmiVector = 2, kDoubleFaultVector = 8, kMachineCheckVector = 18;

alignas(16) constinit IdtGate g_idt[256] = {};
constinit InterruptHandler g_handlers[256] = {};

IdtGate make_gate(uint64_t target, IstSlot slot)
{
    return { uint16_t(target), kKernelCodeSelector, uint8_t(slot), kInterruptGate, uint16_t(target >> 16),
        uint32_t(target >> 32), 0 };
}

} // namespace

IstSlot ist_slot_for(uint8_t vector)
{
    switch (vector) {
    case kDoubleFaultVector: return IstSlot::DoubleFault;
    case kNmiVector: return IstSlot::Nmi;
    case kMachineCheckVector: return IstSlot::MachineCheck;
    default: return vector < kFirstExternalVector ? IstSlot::Exception : IstSlot::Interrupt;
    }
}

void idt_init()
{
    auto stubs = reinterpret_cast<uint64_t>(interrupt_stubs);
    for (size_t vector = 0; vector < 256; ++vector)
        g_idt[vector] = make_gate(stubs + vector * kStubStride, ist_slot_for(uint8_t(vector)));
    idt_load();
}

void idt_load()
{
    IdtPointer pointer = { sizeof(g_idt) - 1, reinterpret_cast<uint64_t>(g_idt) };
    asm volatile("lidt %0" ::"m"(pointer) : "memory");
}

void set_interrupt_handler(uint8_t vector, InterruptHandler handler)
{
    __atomic_store_n(&g_handlers[vector], handler, __ATOMIC_RELEASE);
}

InterruptHandler interrupt_handler(uint8_t vector) { return __atomic_load_n(&g_handlers[vector], __ATOMIC_ACQUIRE); }

extern "C" void interrupt_dispatch(InterruptFrame* frame)
{
    uint64_t program_thread_pointer = enter_kernel_thread_pointer(); // before any libc code
    auto vector = uint8_t(frame->vector);
    auto slot = ist_slot_for(vector);
    // The interrupted code was a handler on this very stack: the CPU restarted the stack at
    // its top and this frame overwrote that handler's. Nothing to return to.
    if (ist_slot_containing(frame->rsp) == uint8_t(slot))
        report_fatal_exception(*frame);
    auto handler = __atomic_load_n(&g_handlers[vector], __ATOMIC_ACQUIRE);
    bool handled = handler && handler(*frame) == InterruptResult::Handled;
    if (!handled && vector < kFirstExternalVector)
        report_fatal_exception(*frame);
    if (!handled)
        report_unexpected_interrupt(*frame);
    if (!ist_stack_intact(slot))
        report_fatal_exception(*frame);
    leave_kernel_thread_pointer(program_thread_pointer);
}

} // namespace arch
