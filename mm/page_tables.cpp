// The kernel page tables (x86-64 4-level paging, Intel SDM vol. 3A §4.5):
//   PML4[511] -> physical 0..1 GiB at KERNEL_VMA_BASE. The 2 MiB blocks that hold the
//                kernel image use 4 KiB pages with each section's protection (W^X):
//                text read-execute, rodata and the generated tables read-only, data and
//                bss read-write, everything but text no-execute, and the guard pages
//                below the boot CPU's IST stacks absent (unmap_kernel_image_page). Low
//                memory and whatever else shares those blocks is read-write data; the rest
//                of the GiB (the frame bitmap after the image, firmware tables) is
//                read-write data in 2 MiB pages.
//   PML4[256..] -> direct map of the RAM ranges and modules at DIRECT_MAP_BASE, 2 MiB
//                 pages, no-execute (device holes stay unmapped); over the image's blocks
//                 4 KiB pages with the image's protections, so text and rodata are not
//                 writable through this second view either
//   PML4[0..255] -> the lower half, 4 KiB pages made by the address space
// CR0.WP (boot.S) makes the protections hold for ring 0, where programs run too: a write
// to kernel text from anywhere is a page fault.
#include <mm/memory.h>
#include <mm/page_frames_internal.h>

#include <kernel/arch/x86_64/layout.h>
#include <kernel/arch/x86_64/page_walk.h>
#include <kernel/arch/x86_64/tlb.h>
#include <kernel/arch/x86_64/pvh.h>
#include <kernel/core/vm_exit.h>

// Section bounds (kernel/arch/x86_64/kernel.ld), each 4 KiB aligned.
extern "C" char __kernel_start[], __text_start[], __rodata_start[], __data_start[], __tables_start[], __kernel_end[];

namespace mm {

namespace {

constexpr uint64_t kTwoMiB = 2ull << 20, kOneGiB = 1ull << 30;
uint64_t* g_pml4;
bool g_direct_map_ready;

void* early_phys_to_virt(uint64_t phys)
{
    if (phys >= kOneGiB)
        core::panic("early boot: physical address {:#x} beyond the boot mapping", phys);
    return reinterpret_cast<void*>(phys + KERNEL_VMA_BASE);
}

uint64_t* table_at(uint64_t entry) { return static_cast<uint64_t*>(phys_to_virt(entry & kPteAddressMask)); }

uint64_t new_table()
{
    auto frame = alloc_frame();
    if (frame.is_error())
        core::panic("out of memory building the kernel page tables");
    return frame.value();
}

/// Maps physical [start, end), widened to 2 MiB boundaries, at `virt_base + start` with
/// 2 MiB pages.
void map_huge_range(uint64_t virt_base, uint64_t start, uint64_t end, uint64_t flags)
{
    for (uint64_t off = start & ~(kTwoMiB - 1); off < end; off += kTwoMiB) {
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

/// The direct map: every RAM range of the PVH memory map, and the modules (the image),
/// which a VMM may place outside RAM (read-only there). Holes between RAM ranges, where
/// devices live, stay unmapped, so no device register is ever mapped cacheable.
void map_direct(const arch::PvhStartInfo& info)
{
    constexpr uint64_t kData = PteGlobal | PteNoExecute;
    auto* modules = static_cast<const arch::PvhModule*>(early_phys_to_virt(info.modlist_paddr));
    for (uint32_t i = 0; i < info.nr_modules; ++i)
        map_huge_range(DIRECT_MAP_BASE, modules[i].paddr, modules[i].paddr + modules[i].size, kData);
    auto* map = static_cast<const arch::PvhMemmapEntry*>(early_phys_to_virt(info.memmap_paddr));
    for (uint32_t i = 0; i < info.memmap_entries; ++i)
        if (map[i].type == arch::PvhMemmapEntry::kRam)
            map_huge_range(DIRECT_MAP_BASE, map[i].addr, map[i].addr + map[i].size, kData | PteWritable);
}

uint64_t image_offset(const char* symbol) { return reinterpret_cast<uint64_t>(symbol) - KERNEL_VMA_BASE; }

/// The protection of the kernel-window page at physical `phys` (see the file comment).
uint64_t kernel_window_flags(uint64_t phys)
{
    constexpr uint64_t kReadOnly = PtePresent | PteGlobal | PteNoExecute, kData = kReadOnly | PteWritable;
    if (phys >= image_offset(__text_start) && phys < image_offset(__rodata_start))
        return PtePresent | PteGlobal; // text: read-execute
    if (phys >= image_offset(__rodata_start) && phys < image_offset(__data_start))
        return kReadOnly;
    if (phys >= image_offset(__tables_start) && phys < image_offset(__kernel_end))
        return kReadOnly;
    return kData; // .boot (done with once the kernel runs here), data, bss, and the rest
}

/// The end of the 2 MiB blocks that hold the image (physical).
uint64_t image_blocks_end() { return (image_offset(__kernel_end) + kTwoMiB - 1) & ~(kTwoMiB - 1); }

/// The kernel window (physical 0..1 GiB at KERNEL_VMA_BASE): 4 KiB pages over the 2 MiB
/// blocks that hold the image, 2 MiB pages above. Runs before the switch, so pte_for
/// reaches the new tables through the boot mapping.
void map_kernel_window()
{
    uint64_t end = image_blocks_end();
    for (uint64_t phys = 0; phys < end; phys += kPageSize) {
        uint64_t* pte = pte_for(KERNEL_VMA_BASE + phys, true);
        if (!pte)
            core::panic("out of memory building the kernel page tables");
        *pte = phys | kernel_window_flags(phys);
    }
    map_huge_range(KERNEL_VMA_BASE, end, kOneGiB, PteWritable | PteGlobal | PteNoExecute);
}

/// The direct map's view of the image: its 2 MiB pages over the image's blocks become 4 KiB
/// pages with the image's protections, none executable, so that text and rodata cannot be
/// written through this second mapping either. Runs before the switch.
void protect_image_in_direct_map()
{
    for (uint64_t block = 0; block < image_blocks_end(); block += kTwoMiB) {
        uint64_t virt = DIRECT_MAP_BASE + block;
        uint64_t pml4e = g_pml4[(virt >> 39) & 511];
        uint64_t pdpte = pml4e & PtePresent ? table_at(pml4e)[(virt >> 30) & 511] : 0;
        if (!(pdpte & PtePresent))
            continue;
        uint64_t& pde = table_at(pdpte)[(virt >> 21) & 511];
        if (!(pde & PtePresent) || !(pde & PteHuge))
            continue; // not RAM (the image is in RAM, so not its blocks)
        uint64_t table = new_table();
        uint64_t* entries = table_at(table);
        for (uint64_t i = 0; i < 512; ++i)
            entries[i] = (block + i * kPageSize) | kernel_window_flags(block + i * kPageSize) | PteNoExecute;
        pde = table | PtePresent | PteWritable;
    }
}

} // namespace

void init(const arch::PvhStartInfo& info)
{
    frames_init(info, early_phys_to_virt);
    g_pml4 = static_cast<uint64_t*>(early_phys_to_virt(new_table()));
    // Until the switch, phys_to_virt() goes through the boot mapping (first GiB).
    map_kernel_window();
    map_direct(info);
    protect_image_in_direct_map();
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
    uint64_t* made[3]; // the entries pointing at tables this call made, outermost first
    int made_count = 0;
    for (int shift = 39; shift > 12; shift -= 9) {
        uint64_t& entry = table[(virt >> shift) & 511];
        if (!(entry & PtePresent)) {
            if (!create)
                return nullptr;
            auto frame = alloc_frame();
            if (frame.is_error()) {
                // Undo: each table made here holds only the entry to the next one, so it
                // would stay empty for good (release_page_tables relies on no table being
                // left empty).
                while (made_count > 0) {
                    uint64_t* made_entry = made[--made_count];
                    uint64_t made_frame = *made_entry & kPteAddressMask;
                    *made_entry = 0;
                    flush_page(virt);
                    free_frame_after_flush(made_frame);
                }
                return nullptr;
            }
            entry = frame.value() | PtePresent | PteWritable;
            made[made_count++] = &entry;
        }
        table = table_at(entry);
    }
    return &table[(virt >> 12) & 511];
}

void unmap_kernel_image_page(uint64_t virt)
{
    uint64_t* pte
        = virt >= reinterpret_cast<uint64_t>(__kernel_start) && virt < reinterpret_cast<uint64_t>(__kernel_end)
        ? pte_for(virt & ~(kPageSize - 1), false)
        : nullptr;
    if (!pte)
        core::panic("unmap_kernel_image_page: {:#x} is not a page of the kernel image", virt);
    *pte = 0;
    flush_page(virt);
}

bool kernel_half_mapped(uint64_t start, size_t length, int prot)
{
    uint64_t end = start + length;
    if (length == 0 || end < start || start < DIRECT_MAP_BASE)
        return false;
    if (start < DEVICE_MAP_BASE + DEVICE_MAP_SIZE && end > DEVICE_MAP_BASE)
        return false; // device registers: never a buffer
    uint64_t needed = prot & ProtWrite ? PtePresent | PteWritable : uint64_t(PtePresent);
    auto tables = [](uint64_t phys) { return static_cast<const uint64_t*>(phys_to_virt(phys)); };
    for (uint64_t page = start & ~(kPageSize - 1); page < end;) {
        arch::PageMapping mapping = arch::walk_page_tables(g_pml4, page, tables);
        if ((mapping.entry & needed) != needed)
            return false;
        uint64_t next = (page & ~(mapping.size - 1)) + mapping.size;
        if (next == 0) // the top of the address space
            break;
        page = next;
    }
    return true;
}

namespace {

/// Visits the PTEs of [start, end) under `table`, whose entries each map 2^shift bytes:
/// absent entries are skipped whole, present ones descended into; each table is read once.
void walk(uint64_t* table, int shift, uint64_t start, uint64_t end, PteVisitor visit, void* context)
{
    uint64_t span = 1ull << shift;
    for (uint64_t virt = start; virt < end;) {
        uint64_t next = (virt & ~(span - 1)) + span; // 0 past the top of the address space
        uint64_t& entry = table[(virt >> shift) & 511];
        uint64_t stop = next > virt && next < end ? next : end;
        if (shift == 12) {
            if (entry)
                visit(context, virt, entry);
        } else if ((entry & PtePresent) && !(entry & PteHuge)) {
            walk(table_at(entry), shift - 9, virt, stop, visit, context);
        }
        if (stop == end)
            return;
        virt = next;
    }
}

bool holds_nothing(const uint64_t* table)
{
    for (int i = 0; i < 512; ++i)
        if (table[i])
            return false;
    return true;
}

/// Under `table`, whose entries each map 2^shift bytes (a PML4, PDPT or directory), frees
/// the paging structures that [start, end) reaches and that hold no entry at all, and
/// clears the entries that led to them. True if any was freed. A page table is looked at
/// whole (512 entries, stopping at the first one in use); a directory or PDPT only when
/// one of its own tables was freed just now, since otherwise that table still holds
/// something. That is enough because no table is ever left empty by its maker: pte_for
/// undoes what it made when it fails, and fault_in and move prune after theirs fail.
bool prune(uint64_t* table, int shift, uint64_t start, uint64_t end)
{
    uint64_t span = 1ull << shift;
    bool freed = false;
    for (uint64_t virt = start; virt < end;) {
        uint64_t next = (virt & ~(span - 1)) + span;
        uint64_t& entry = table[(virt >> shift) & 511];
        uint64_t stop = next > virt && next < end ? next : end;
        if ((entry & PtePresent) && !(entry & PteHuge)) {
            uint64_t* child = table_at(entry);
            if ((shift == 21 || prune(child, shift - 9, virt, stop)) && holds_nothing(child)) {
                uint64_t frame = entry & kPteAddressMask;
                entry = 0;
                flush_page(virt); // INVLPG also drops the paging-structure caches (SDM vol. 3A §4.10.4.1)
                free_frame_after_flush(frame);
                freed = true;
            }
        }
        if (stop == end)
            break;
        virt = next;
    }
    return freed;
}

} // namespace

void release_page_tables(uint64_t start, uint64_t end)
{
    constexpr uint64_t kLowerHalfEnd = 1ull << 47; // the upper half's tables are the kernel's, kept for good
    if (end > kLowerHalfEnd)
        end = kLowerHalfEnd;
    if (start < end)
        prune(g_pml4, 39, start, end);
}

void walk_ptes(uint64_t start, uint64_t end, PteVisitor visit, void* context)
{
    if (start < end)
        walk(g_pml4, 39, start, end, visit, context);
}

void flush_page_local(uint64_t virt) { asm volatile("invlpg (%0)" ::"r"(virt) : "memory"); }

namespace {

// Pages whose entries changed since the other CPUs last flushed (one range covering them
// all), and the frames those entries pointed at, which are freed only once no CPU can
// reach them through its TLB: another CPU could otherwise still write to a frame that
// was already handed out again. Guarded by the big kernel lock, as all of mm is
// (sched/kernel_lock.cpp).
struct RemoteFlush {
    static constexpr size_t kMaxFrames = 64;
    uint64_t start = UINT64_MAX;
    uint64_t end = 0;
    uint64_t frames[kMaxFrames] = {};
    size_t frame_count = 0;
};

RemoteFlush& remote_flush()
{
    static RemoteFlush pending;
    return pending;
}

// flush_remote_tlbs when something is pending: out of line, so the common test stays small.
[[gnu::noinline]] void flush_pending(RemoteFlush& pending)
{
    if (pending.start < pending.end)
        arch::tlb_shootdown(pending.start, pending.end);
    pending.start = UINT64_MAX, pending.end = 0;
    for (size_t i = 0; i < pending.frame_count; ++i)
        free_frame(pending.frames[i]);
    pending.frame_count = 0;
}

} // namespace

void flush_page(uint64_t virt)
{
    flush_page_local(virt);
    RemoteFlush& pending = remote_flush();
    pending.start = virt < pending.start ? virt : pending.start;
    pending.end = virt + kPageSize > pending.end ? virt + kPageSize : pending.end;
}

void flush_remote_tlbs()
{
    RemoteFlush& pending = remote_flush();
    if (pending.start < pending.end || pending.frame_count) // every release of the kernel lock asks
        flush_pending(pending);
}

void free_frame_after_flush(uint64_t phys)
{
    RemoteFlush& pending = remote_flush();
    if (pending.frame_count == RemoteFlush::kMaxFrames)
        flush_remote_tlbs();
    pending.frames[pending.frame_count++] = phys;
}

} // namespace mm
