#include "pvh_boot.h"

#include <kernel/arch/x86_64/pvh.h>

#include <cstring>
#include <vector>

namespace monitor {

namespace {

constexpr uint64_t kModulesAddress = kStartInfoAddress + sizeof(arch::PvhStartInfo);
constexpr size_t kMaxModules = 8;
constexpr uint64_t kMemmapAddress = kModulesAddress + kMaxModules * sizeof(arch::PvhModule);
constexpr uint64_t kLowRamEnd = 0x9fc00, kHighRamStart = 0x100000;
static_assert(kMemmapAddress + 16 * sizeof(arch::PvhMemmapEntry) <= kCmdlineAddress);

template<typename T> lib::Result<void> store(const GuestMemory& memory, uint64_t gpa, const T& value)
{
    return memory.write(gpa, std::span(reinterpret_cast<const uint8_t*>(&value), sizeof(T)));
}

std::vector<arch::PvhMemmapEntry> memory_map(uint64_t ram_size, std::span<const BootModule> modules)
{
    std::vector<arch::PvhMemmapEntry> map;
    map.push_back({ 0, kLowRamEnd, arch::PvhMemmapEntry::kRam, 0 });
    map.push_back({ kLowRamEnd, kHighRamStart - kLowRamEnd, arch::PvhMemmapEntry::kReserved, 0 });
    if (ram_size > kHighRamStart)
        map.push_back({ kHighRamStart, ram_size - kHighRamStart, arch::PvhMemmapEntry::kRam, 0 });
    for (const BootModule& module : modules)
        map.push_back({ module.address, module.size, arch::PvhMemmapEntry::kReserved, 0 });
    return map;
}

lib::Result<void> write_cmdline(const GuestMemory& memory, std::string_view cmdline)
{
    if (cmdline.size() + 1 > kCmdlineMax)
        return lib::Error(lib::Errno::TOOBIG, "kernel command line longer than 512 KiB");
    if (cmdline.find('\0') != std::string_view::npos)
        return lib::Error(lib::Errno::INVAL, "NUL byte in the kernel command line");
    auto target = TRY(memory.span(kCmdlineAddress, cmdline.size() + 1));
    memcpy(target.data(), cmdline.data(), cmdline.size());
    target[cmdline.size()] = 0;
    return {};
}

} // namespace

lib::Result<uint64_t> write_boot_info(const GuestMemory& memory, const BootInfoRequest& request)
{
    if (request.modules.size() > kMaxModules)
        return lib::Error(lib::Errno::TOOBIG, "more than 8 PVH modules");
    TRY(write_cmdline(memory, request.cmdline));
    for (size_t i = 0; i < request.modules.size(); ++i) {
        arch::PvhModule module { request.modules[i].address, request.modules[i].size, 0, 0 };
        TRY(store(memory, kModulesAddress + i * sizeof(module), module));
    }
    auto map = memory_map(memory.ram_size(), request.modules);
    for (size_t i = 0; i < map.size(); ++i)
        TRY(store(memory, kMemmapAddress + i * sizeof(arch::PvhMemmapEntry), map[i]));
    arch::PvhStartInfo info {};
    info.magic = arch::PvhStartInfo::kMagic;
    info.version = 1;
    info.nr_modules = uint32_t(request.modules.size());
    info.modlist_paddr = request.modules.empty() ? 0 : kModulesAddress;
    info.cmdline_paddr = kCmdlineAddress;
    info.rsdp_paddr = request.rsdp_address;
    info.memmap_paddr = kMemmapAddress;
    info.memmap_entries = uint32_t(map.size());
    TRY(store(memory, kStartInfoAddress, info));
    return kStartInfoAddress;
}

} // namespace monitor
