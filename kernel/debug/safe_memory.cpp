// Safe reads for the crash reporter: an address is read only if the page tables map it
// (arch::walk_page_tables). The walk reaches the tables through one of the two mappings of
// physical memory that exist:
//   - before mm::init, %cr3 holds boot.S's boot_pml4 and only the first GiB of physical
//     memory is mapped at KERNEL_VMA_BASE (the boot tables live there);
//   - afterwards every page-table frame is reachable through the direct map.
#include <kernel/debug/safe_memory.h>

#include <kernel/arch/x86_64/layout.h>
#include <kernel/arch/x86_64/page_walk.h>

extern "C" char boot_pml4[]; // boot.S

namespace debug {

namespace {

constexpr uint64_t kAddressMask = 0x000ffffffffff000;
constexpr uint64_t kPageSize = 4096;

bool is_canonical(uint64_t address)
{
    auto high = int64_t(address) >> 47;
    return high == 0 || high == -1;
}

uint64_t read_cr3()
{
    uint64_t value;
    asm volatile("mov %%cr3, %0" : "=r"(value));
    return value;
}

const uint64_t* table_at(uint64_t phys, bool boot_tables)
{
    return reinterpret_cast<const uint64_t*>(phys + (boot_tables ? KERNEL_VMA_BASE : DIRECT_MAP_BASE));
}

bool page_present(uint64_t address)
{
    uint64_t root = read_cr3() & kAddressMask;
    bool boot_tables = root == reinterpret_cast<uint64_t>(boot_pml4) - KERNEL_VMA_BASE;
    auto tables = [boot_tables](uint64_t phys) { return table_at(phys, boot_tables); };
    return arch::walk_page_tables(table_at(root, boot_tables), address, tables).entry & arch::kPageEntryPresent;
}

} // namespace

bool is_readable(uintptr_t address, size_t length)
{
    uint64_t last = address + length - 1;
    if (length == 0 || last < address || !is_canonical(address) || !is_canonical(last))
        return false;
    if ((int64_t(address) >> 47) != (int64_t(last) >> 47)) // spans the non-canonical hole
        return false;
    for (uint64_t page = address & ~(kPageSize - 1); page <= last; page += kPageSize) {
        if (!page_present(page))
            return false;
        if (page + kPageSize < page)
            break;
    }
    return true;
}

bool read_word(uintptr_t address, uint64_t& value)
{
    if (!is_readable(address, sizeof(uint64_t)))
        return false;
    value = *reinterpret_cast<const volatile uint64_t*>(address);
    return true;
}

} // namespace debug
