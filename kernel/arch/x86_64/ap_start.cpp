#include <kernel/arch/x86_64/ap_start.h>

#include <cstring>

extern "C" const char ap_trampoline_start[], ap_trampoline_parameters[], ap_trampoline_end[];

namespace arch {

namespace {

constexpr uint64_t kPageSize = 4096, kLowMemoryEnd = 0x100000;

// ap_start.S's parameter block (ap_trampoline_parameters), slots right after it.
struct Parameters {
    uint64_t boot_cr3; // boot.S's page tables, filled in at link time
    uint64_t kernel_cr3;
    uint64_t slot_count;
};

bool overlaps(uint64_t page, uint64_t start, uint64_t length)
{
    return length && start < page + kPageSize && page < start + length;
}

} // namespace

uint64_t find_ap_trampoline_page(uint64_t start_info_address, const PvhStartInfo& info,
    std::span<const PvhMemmapEntry> memory_map, size_t cmdline_length)
{
    // The highest candidate first: low pages are where firmware and VMMs put their data.
    for (uint64_t page = kLowMemoryEnd - kPageSize; page >= kPageSize; page -= kPageSize) {
        bool ram = false;
        for (const PvhMemmapEntry& entry : memory_map)
            ram = ram
                || (entry.type == PvhMemmapEntry::kRam && entry.addr <= page
                    && page + kPageSize <= entry.addr + entry.size);
        if (!ram || overlaps(page, start_info_address, sizeof(PvhStartInfo))
            || overlaps(page, info.memmap_paddr, info.memmap_entries * sizeof(PvhMemmapEntry))
            || overlaps(page, info.modlist_paddr, info.nr_modules * sizeof(PvhModule))
            || overlaps(page, info.cmdline_paddr, cmdline_length + 1))
            continue;
        return page;
    }
    return 0;
}

lib::Result<void> install_ap_trampoline(void* page_address, std::span<const ApSlot> slots, uint64_t kernel_cr3)
{
    size_t code = size_t(ap_trampoline_end - ap_trampoline_start);
    if (code + slots.size_bytes() > kPageSize)
        return lib::Error(lib::Errno::INVAL, "too many processors for the start-up page");
    auto* page = static_cast<char*>(page_address);
    memcpy(page, ap_trampoline_start, code);
    auto* parameters = reinterpret_cast<Parameters*>(page + (ap_trampoline_parameters - ap_trampoline_start));
    parameters->kernel_cr3 = kernel_cr3;
    parameters->slot_count = slots.size();
    memcpy(page + code, slots.data(), slots.size_bytes());
    return {};
}

} // namespace arch
