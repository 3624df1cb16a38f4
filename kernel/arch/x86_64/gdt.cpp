// GDT, TSS and the IST stacks of the boot CPU.
//
// Guard pages: every IST stack is preceded by a 4 KiB page of its own (`guard` in
// IstStackBounds) that nothing uses. The kernel image is mapped today with 2 MiB pages, so
// the guard is still mapped; once mm maps the image with 4 KiB pages it can unmap the
// guards (arch::ist_stack(slot).guard) and an overflow becomes a double fault on its own
// stack instead of silent corruption. Until then a canary word at the bottom of each stack
// catches an overflow after the fact (ist_stack_intact, checked on every handler exit);
// an overflow of more than the 4 KiB guard would reach the stack below it.
//
// SMP: each CPU needs its own TSS and IST stacks (an IST stack cannot be shared by two CPUs
// taking interrupts at once). Today only the boot CPU's set exists.
#include <kernel/arch/x86_64/gdt.h>

namespace arch {

namespace {

// Intel SDM vol. 3A §8.7, figure 8-11: the 64-bit TSS.
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
static_assert(__builtin_offsetof(Tss, rsp) == 4);
static_assert(__builtin_offsetof(Tss, ist) == 36);
static_assert(__builtin_offsetof(Tss, iomap_base) == 102);

struct [[gnu::packed]] DescriptorPointer {
    uint16_t limit;
    uint64_t base;
};
static_assert(sizeof(DescriptorPointer) == 10);

constexpr size_t kGuardSize = 4096;
constexpr uint64_t kCanary = 0x05b7e1ca9a2dface;

// Segment descriptors (SDM vol. 3A §3.4.5): flat, present, DPL 0. Code: L=1 (64-bit),
// type execute/read. Data: writable. Same values as boot.S's boot GDT.
constexpr uint64_t kCodeDescriptor = 0x00af9a000000ffff;
constexpr uint64_t kDataDescriptor = 0x00cf92000000ffff;

alignas(16) constinit uint64_t g_gdt[5] = { 0, kCodeDescriptor, kDataDescriptor, 0, 0 };
alignas(16) constinit Tss g_tss = {};

alignas(4096) uint8_t g_double_fault_stack[kGuardSize + 16384];
alignas(4096) uint8_t g_nmi_stack[kGuardSize + 16384];
alignas(4096) uint8_t g_machine_check_stack[kGuardSize + 16384];
alignas(4096) uint8_t g_exception_stack[kGuardSize + 32768];
alignas(4096) uint8_t g_interrupt_stack[kGuardSize + 16384];

struct StackArea {
    uint8_t* base;
    size_t size;
};
// Indexed by IstSlot - 1.
constinit const StackArea kStacks[kIstSlotCount] = {
    { g_double_fault_stack, sizeof(g_double_fault_stack) },
    { g_nmi_stack, sizeof(g_nmi_stack) },
    { g_machine_check_stack, sizeof(g_machine_check_stack) },
    { g_exception_stack, sizeof(g_exception_stack) },
    { g_interrupt_stack, sizeof(g_interrupt_stack) },
};

const StackArea& area(IstSlot slot) { return kStacks[size_t(slot) - 1]; }

// A 16-byte available 64-bit TSS descriptor (SDM vol. 3A §8.2.3, figure 8-4), in two slots.
void set_tss_descriptor(uint64_t base, uint32_t limit)
{
    g_gdt[kTssSelector / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40)
        | (uint64_t((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
    g_gdt[kTssSelector / 8 + 1] = base >> 32;
}

void load_tables()
{
    DescriptorPointer pointer = { sizeof(g_gdt) - 1, reinterpret_cast<uint64_t>(g_gdt) };
    // The far return reloads %cs. Step over the red zone first: this function's own locals
    // may live there (the kernel is not built with -mno-red-zone).
    asm volatile("lgdt %0\n\t"
                 "sub $128, %%rsp\n\t"
                 "pushq %1\n\t"
                 "leaq 1f(%%rip), %%rax\n\t"
                 "pushq %%rax\n\t"
                 "lretq\n"
                 "1:\n\t"
                 "add $128, %%rsp\n\t"
                 "mov %w2, %%ds\n\t"
                 "mov %w2, %%es\n\t"
                 "mov %w2, %%ss\n\t"
                 "ltr %w3"
                 :
                 : "m"(pointer), "i"(uint64_t(kKernelCodeSelector)), "r"(uint32_t(kKernelDataSelector)),
                 "r"(uint32_t(kTssSelector))
                 : "rax", "memory");
}

} // namespace

void gdt_init()
{
    for (size_t i = 0; i < kIstSlotCount; ++i) {
        auto bounds = ist_stack(IstSlot(i + 1));
        *reinterpret_cast<uint64_t*>(bounds.bottom) = kCanary;
        g_tss.ist[i] = bounds.top; // 16-byte aligned: the sizes are multiples of 4 KiB
    }
    g_tss.iomap_base = sizeof(Tss); // no I/O permission bitmap (ring 0 needs none)
    set_tss_descriptor(reinterpret_cast<uint64_t>(&g_tss), sizeof(Tss) - 1);
    load_tables();
}

void set_interrupt_stack(uintptr_t top) { g_tss.ist[size_t(IstSlot::Interrupt) - 1] = top; }

IstStackBounds ist_stack(IstSlot slot)
{
    auto base = reinterpret_cast<uintptr_t>(area(slot).base);
    return { base, base + kGuardSize, base + area(slot).size };
}

uint8_t ist_slot_containing(uintptr_t address)
{
    for (size_t i = 0; i < kIstSlotCount; ++i) {
        auto bounds = ist_stack(IstSlot(i + 1));
        if (address >= bounds.guard && address < bounds.top)
            return uint8_t(i + 1);
    }
    return 0;
}

bool ist_stack_intact(IstSlot slot)
{
    return *reinterpret_cast<const volatile uint64_t*>(ist_stack(slot).bottom) == kCanary;
}

} // namespace arch
