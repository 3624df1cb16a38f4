// The kernel page tables (x86-64 4-level paging, Intel SDM vol. 3A §4.5):
//   PML4[511] -> kernel image: physical 0..1 GiB at KERNEL_VMA_BASE, 2 MiB pages
//   PML4[256..] -> direct map of all RAM at DIRECT_MAP_BASE, 2 MiB pages, no-execute
//   PML4[0..255] -> the lower half, 4 KiB pages made by the address space
// FIRST CUT: the kernel image is mapped read-write-execute as one range; per-section
// protections (text RX, rodata R, data RW+NX) are still to do.
#include <mm/memory.h>
#include <mm/page_frames_internal.h>

#include <kernel/arch/x86_64/layout.h>
#include <kernel/arch/x86_64/pvh.h>
#include <kernel/boot/vm_exit.h>

namespace mm {

namespace {

constexpr uint64_t kTwoMiB = 2ull << 20, kOneGiB = 1ull << 30;
uint64_t* g_pml4;
bool g_direct_map_ready;

void* early_phys_to_virt(uint64_t phys)
{
    if (phys >= kOneGiB)
        boot::panic("early boot: physical address {:#x} beyond the boot mapping", phys);
    return reinterpret_cast<void*>(phys + KERNEL_VMA_BASE);
}

uint64_t* table_at(uint64_t entry) { return static_cast<uint64_t*>(phys_to_virt(entry & kPteAddressMask)); }

uint64_t new_table()
{
    auto frame = alloc_frame();
    if (frame.is_error())
        boot::panic("out of memory building the kernel page tables");
    return frame.value();
}

/// Maps [0, length) of physical memory at `virt_base` with 2 MiB pages.
void map_huge_range(uint64_t virt_base, uint64_t length, uint64_t flags)
{
    for (uint64_t off = 0; off < length; off += kTwoMiB) {
        uint64_t virt = virt_base + off;
        uint64_t& pml4e = g_pml4[(virt >> 39) & 511];
        if (!(pml4e & PtePresent))
            pml4e = new_table() | PtePresent | PteWritable;
        uint64_t& pdpte = table_at(pml4e)[(virt >> 30) & 511];
        if (!(pdpte & PtePresent))
            pdpte = new_table() | PtePresent | PteWritable;
        table_at(pdpte)[(virt >> 21) & 511] = off | flags | PtePresent | PteHuge;
    }
}

} // namespace

void init(const arch::PvhStartInfo& info)
{
    frames_init(info, early_phys_to_virt);
    g_pml4 = static_cast<uint64_t*>(early_phys_to_virt(new_table()));
    // Until the switch, phys_to_virt() goes through the boot mapping (first GiB).
    map_huge_range(KERNEL_VMA_BASE, kOneGiB, PteWritable | PteGlobal);
    uint64_t direct = (frames_top() + kOneGiB - 1) & ~(kOneGiB - 1);
    map_huge_range(DIRECT_MAP_BASE, direct, PteWritable | PteGlobal | PteNoExecute);
    uint64_t pml4_phys = reinterpret_cast<uint64_t>(g_pml4) - KERNEL_VMA_BASE;
    asm volatile("mov %0, %%cr3" ::"r"(pml4_phys) : "memory");
    g_direct_map_ready = true;
    g_pml4 = static_cast<uint64_t*>(phys_to_virt(pml4_phys));
    page_fault_init();
}

void* phys_to_virt(uint64_t phys)
{
    if (!g_direct_map_ready)
        return early_phys_to_virt(phys);
    return reinterpret_cast<void*>(phys + DIRECT_MAP_BASE);
}

uint64_t virt_to_phys(const void* virt)
{
    auto v = reinterpret_cast<uint64_t>(virt);
    return v >= KERNEL_VMA_BASE ? v - KERNEL_VMA_BASE : v - DIRECT_MAP_BASE;
}

uint64_t* pte_for(uint64_t virt, bool create)
{
    uint64_t* table = g_pml4;
    for (int shift = 39; shift > 12; shift -= 9) {
        uint64_t& entry = table[(virt >> shift) & 511];
        if (!(entry & PtePresent)) {
            if (!create)
                return nullptr;
            auto frame = alloc_frame();
            if (frame.is_error())
                return nullptr;
            entry = frame.value() | PtePresent | PteWritable;
        }
        table = table_at(entry);
    }
    return &table[(virt >> 12) & 511];
}

void flush_page(uint64_t virt) { asm volatile("invlpg (%0)" ::"r"(virt) : "memory"); }

} // namespace mm
