#include "module_loader.h"

#include <kernel/console/log.h>
#include <kernel/fs/root_fs.h>
#include <mm/address_space.h>
#include <mm/memory.h>

#include <cstring>

namespace linker {

namespace {

// PIE executables go where Linux puts them without ASLR; libraries anywhere (top-down).
constexpr uint64_t kExecutableBase = 0x5555'5555'4000;

int protection(uint32_t flags)
{
    return ((flags & elf::PF_R) ? mm::ProtRead : 0) | ((flags & elf::PF_W) ? mm::ProtWrite : 0)
        | ((flags & elf::PF_X) ? mm::ProtExec : 0);
}

} // namespace

lib::Result<void> load_module(std::string_view path, ModuleKind kind, Module& module)
{
    if (path.size() >= sizeof(module.path))
        return lib::Error(lib::Errno::NAMETOOLONG, "program path too long");
    memcpy(module.path, path.data(), path.size());
    module.path[path.size()] = 0;
    const auto& root = fs::root_image();
    auto node = TRY(root.lookup(path));
    auto data = TRY(root.file_data(node));
    module.image = TRY(ElfImage::parse(data));
    const ElfImage& image = module.image;
    uint64_t size = image.span_end() - image.span_start();
    uint64_t hint = kind == ModuleKind::Executable ? kExecutableBase : 0;
    uint64_t base = TRY(mm::map_anonymous(hint, size, mm::ProtRead | mm::ProtWrite, mm::Placement::Anywhere));
    for (const LoadSegment& s : image.segments())
        memcpy(reinterpret_cast<void*>(base + (s.vaddr - image.span_start())), data.data() + s.offset, s.filesz);
    auto memory = std::span(reinterpret_cast<std::byte*>(base), size);
    module.object = TRY(LoadedObject::create(image, memory, base));
    module.tls_offset = 0;
    klog::info(klog::Subsystem::Linker, "loaded {} at {:#x} ({} KiB)", path, base, size / 1024);
    return {};
}

lib::Result<void> protect_module(const Module& module)
{
    const ElfImage& image = module.image;
    uint64_t bias = module.object.bias();
    for (const LoadSegment& s : image.segments()) {
        uint64_t start = mm::page_round_down(bias + s.vaddr), end = mm::page_round_up(bias + s.vaddr + s.memsz);
        TRY(mm::protect(start, end - start, protection(s.flags)));
    }
    if (const auto* relro = image.relro()) {
        uint64_t start = mm::page_round_down(bias + relro->vaddr), end = mm::page_round_down(bias + relro->vaddr + relro->memsz);
        if (end > start)
            TRY(mm::protect(start, end - start, mm::ProtRead));
    }
    return {};
}

} // namespace linker
