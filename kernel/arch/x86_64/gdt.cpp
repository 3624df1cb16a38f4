// GDT, TSS and the IST stacks of the boot CPU.
//
// Guard pages: every IST stack is preceded by a 4 KiB page of its own (`guard` in
// IstStackBounds) that nothing uses. The boot CPU's stacks are in the image's bss, which mm
// maps with 4 KiB pages; the boot code unmaps their guards once mm is up
// (mm::unmap_kernel_image_page), so an overflow of up to 4 KiB faults instead of silently
// corrupting what lies below. A canary word at the bottom of each stack also catches an
// overflow after the fact (ist_stack_intact, checked on every handler exit).
//
// SMP: each CPU has its own GDT, TSS and IST stacks (CpuTables; an IST stack cannot be
// shared by two CPUs taking interrupts at once). The boot CPU's are static, below; an
// application processor's come from sched/smp.cpp (gdt_init_secondary).
#include <kernel/arch/x86_64/gdt.h>

namespace arch {

namespace {

static_assert(__builtin_offsetof(Tss, rsp) == 4);
static_assert(__builtin_offsetof(Tss, ist) == 36);
static_assert(__builtin_offsetof(Tss, iomap_base) == 102);

struct [[gnu::packed]] DescriptorPointer {
    uint16_t limit;
    uint64_t base;
};
static_assert(sizeof(DescriptorPointer) == 10);

constexpr size_t kGuardSize = 4096;

// Segment descriptors (SDM vol. 3A §3.4.5): flat, present, DPL 0. Code: L=1 (64-bit),
// type execute/read. Data: writable. Same values as boot.S's boot GDT.
constexpr uint64_t kCodeDescriptor = 0x00af9a000000ffff;
constexpr uint64_t kDataDescriptor = 0x00cf92000000ffff;

constinit CpuTables g_boot_tables = {};

alignas(4096) uint8_t g_double_fault_stack[kGuardSize + 16384];
alignas(4096) uint8_t g_nmi_stack[kGuardSize + 16384];
alignas(4096) uint8_t g_machine_check_stack[kGuardSize + 16384];
alignas(4096) uint8_t g_exception_stack[kGuardSize + 32768];
alignas(4096) uint8_t g_interrupt_stack[kGuardSize + 16384];

struct StackArea {
    uint8_t* base;
    size_t size;
};
// The boot CPU's, indexed by IstSlot - 1.
constinit const StackArea kBootStacks[kIstSlotCount] = {
    { g_double_fault_stack, sizeof(g_double_fault_stack) },
    { g_nmi_stack, sizeof(g_nmi_stack) },
    { g_machine_check_stack, sizeof(g_machine_check_stack) },
    { g_exception_stack, sizeof(g_exception_stack) },
    { g_interrupt_stack, sizeof(g_interrupt_stack) },
};

// This CPU's tables: its GDTR holds the address of CpuTables::gdt, the first member.
CpuTables& this_cpu_tables()
{
    struct [[gnu::packed]] {
        uint16_t limit;
        uint64_t base;
    } gdtr;
    asm volatile("sgdt %0" : "=m"(gdtr));
    return *reinterpret_cast<CpuTables*>(gdtr.base);
}
static_assert(__builtin_offsetof(CpuTables, gdt) == 0);

// A 16-byte available 64-bit TSS descriptor (SDM vol. 3A §8.2.3, figure 8-4), in two slots.
void set_tss_descriptor(uint64_t (&gdt)[5], uint64_t base, uint32_t limit)
{
    gdt[kTssSelector / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40)
        | (uint64_t((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
    gdt[kTssSelector / 8 + 1] = base >> 32;
}

void load_tables(CpuTables& tables)
{
    DescriptorPointer pointer = { sizeof(tables.gdt) - 1, reinterpret_cast<uint64_t>(tables.gdt) };
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

void init_tables(CpuTables& tables, const IstStackBounds (&stacks)[kIstSlotCount])
{
    tables.gdt[0] = 0;
    tables.gdt[1] = kCodeDescriptor;
    tables.gdt[2] = kDataDescriptor;
    for (size_t i = 0; i < kIstSlotCount; ++i) {
        tables.stacks[i] = stacks[i];
        *reinterpret_cast<uint64_t*>(stacks[i].bottom) = kStackCanary;
        tables.tss.ist[i] = stacks[i].top; // 16-byte aligned: the sizes are multiples of 4 KiB
    }
    tables.tss.iomap_base = sizeof(Tss); // no I/O permission bitmap (ring 0 needs none)
    set_tss_descriptor(tables.gdt, reinterpret_cast<uint64_t>(&tables.tss), sizeof(Tss) - 1);
    load_tables(tables);
}

} // namespace

void gdt_init()
{
    IstStackBounds stacks[kIstSlotCount];
    for (size_t i = 0; i < kIstSlotCount; ++i) {
        auto base = reinterpret_cast<uintptr_t>(kBootStacks[i].base);
        stacks[i] = { base, base + kGuardSize, base + kBootStacks[i].size };
    }
    init_tables(g_boot_tables, stacks);
}

void gdt_init_secondary(CpuTables& tables, const IstStackBounds (&stacks)[kIstSlotCount])
{
    init_tables(tables, stacks);
}

void set_interrupt_stack(const IstStackBounds& stack)
{
    CpuTables& tables = this_cpu_tables();
    tables.stacks[size_t(IstSlot::Interrupt) - 1] = stack;
    tables.tss.ist[size_t(IstSlot::Interrupt) - 1] = stack.top;
}

IstStackBounds ist_stack(IstSlot slot) { return this_cpu_tables().stacks[size_t(slot) - 1]; }

uint8_t ist_slot_containing(uintptr_t address)
{
    const CpuTables& tables = this_cpu_tables();
    for (size_t i = 0; i < kIstSlotCount; ++i) {
        const IstStackBounds& bounds = tables.stacks[i];
        if (address >= bounds.guard && address < bounds.top)
            return uint8_t(i + 1);
    }
    return 0;
}

bool ist_stack_intact(IstSlot slot)
{
    return *reinterpret_cast<const volatile uint64_t*>(ist_stack(slot).bottom) == kStackCanary;
}

} // namespace arch
