// PVH boot information handed over by the VMM (Xen public ABI, xen/include/public/arch-x86/
// hvm/start_info.h, "HVM start info" version 1). All addresses are guest-physical.
#pragma once

#include <cstdint>

namespace arch {

struct PvhStartInfo {
    static constexpr uint32_t kMagic = 0x336ec578;
    uint32_t magic;
    uint32_t version;
    uint32_t flags;
    uint32_t nr_modules;
    uint64_t modlist_paddr;
    uint64_t cmdline_paddr;
    uint64_t rsdp_paddr;
    uint64_t memmap_paddr; // version >= 1
    uint32_t memmap_entries;
    uint32_t reserved;
};
static_assert(sizeof(PvhStartInfo) == 56);
static_assert(__builtin_offsetof(PvhStartInfo, memmap_paddr) == 40);

struct PvhModule {
    uint64_t paddr;
    uint64_t size;
    uint64_t cmdline_paddr;
    uint64_t reserved;
};
static_assert(sizeof(PvhModule) == 32);

struct PvhMemmapEntry {
    static constexpr uint32_t kRam = 1;      // E820 type 1: usable RAM
    static constexpr uint32_t kReserved = 2; // E820 type 2: reserved
    uint64_t addr;
    uint64_t size;
    uint32_t type;
    uint32_t reserved;
};
static_assert(sizeof(PvhMemmapEntry) == 24);

} // namespace arch
