#include "module_loader.h"

#include <kernel/console/log.h>
#include <kernel/fs/rofs_file.h>
#include <kernel/fs/root_fs.h>
#include <mm/address_space.h>
#include <mm/memory.h>

#include <cstring>

namespace linker {

namespace {

// PIE executables go where Linux puts them without ASLR; libraries anywhere (top-down);
// non-PIE executables at their link-time addresses.
constexpr uint64_t kExecutableBase = 0x5555'5555'4000;

int protection(uint32_t flags)
{
    return ((flags & elf::PF_R) ? mm::ProtRead : 0) | ((flags & elf::PF_W) ? mm::ProtWrite : 0)
        | ((flags & elf::PF_X) ? mm::ProtExec : 0);
}

/// Maps segment `s` of `image` (span loaded at `base`) from `file` like ld.so does:
/// private file pages (shared with the image until written), the tail of the last file
/// page zeroed and anonymous pages for the rest of .bss. Its own protection plus write,
/// for relocation: text is executable from the start, because IRELATIVE and IFUNC
/// resolvers run while the object is being relocated. protect_module drops the write.
lib::Result<void> map_segment(const ElfImage& image, const LoadSegment& s, uint64_t base, const mm::MappedFile& file)
{
    const int while_relocating = protection(s.flags) | mm::ProtRead | mm::ProtWrite;
    uint64_t page_vaddr = mm::page_round_down(s.vaddr);
    uint64_t start = base + (page_vaddr - image.span_start());
    uint64_t file_end = base + (s.vaddr + s.filesz - image.span_start());
    uint64_t memory_end = base + (s.vaddr + s.memsz - image.span_start());
    if (s.filesz > 0) {
        mm::MapRequest request { .hint = start,
            .length = mm::page_round_up(file_end) - start,
            .placement = mm::Placement::FixedReplace,
            .prot = while_relocating,
            .file = &file,
            .file_offset = s.offset - (s.vaddr - page_vaddr) };
        TRY(mm::map(request, mm::MapNoReserve));
    }
    uint64_t zero_end = mm::page_round_up(file_end) < memory_end ? mm::page_round_up(file_end) : memory_end;
    if (s.filesz > 0 && zero_end > file_end)
        memset(reinterpret_cast<void*>(file_end), 0, zero_end - file_end);
    uint64_t anonymous_start = s.filesz > 0 ? mm::page_round_up(file_end) : start;
    if (mm::page_round_up(memory_end) > anonymous_start)
        TRY(mm::map_anonymous(anonymous_start, mm::page_round_up(memory_end) - anonymous_start, while_relocating,
            mm::Placement::FixedReplace));
    return {};
}

/// Reserves the module's span: a PIE executable where Linux puts it without ASLR, a
/// library anywhere, a non-PIE (ET_EXEC) executable exactly at its link-time addresses,
/// which must be free (EEXIST otherwise, with the range in the log).
lib::Result<uint64_t> reserve_span(const ElfImage& image, ModuleKind kind)
{
    uint64_t size = image.span_end() - image.span_start();
    if (!image.fixed_address()) {
        uint64_t hint = kind == ModuleKind::Executable ? kExecutableBase : 0;
        return mm::map_anonymous(hint, size, mm::ProtNone, mm::Placement::Anywhere);
    }
    auto base = mm::map_anonymous(image.span_start(), size, mm::ProtNone, mm::Placement::FixedNoReplace);
    if (base.is_error())
        klog::error(klog::Subsystem::Linker, "the non-PIE executable's range [{:#x}, {:#x}) cannot be mapped: {}",
            image.span_start(), image.span_end(), base.error().message);
    return base;
}

/// The bytes ElfImage::parse reads from the file itself, the ELF header and the program
/// headers, checked against the image's page checksums (EIO for a corrupt page); the
/// segments are checked page by page as they fault in (MappedFile::check_page).
lib::Result<void> check_headers(const fs::RofsFile& file, std::span<const std::byte> bytes)
{
    TRY(file.check(0, sizeof(elf::Header)));
    if (bytes.size() < sizeof(elf::Header))
        return {}; // the parser says what is wrong
    elf::Header header;
    memcpy(&header, bytes.data(), sizeof(header));
    return file.check(header.phoff, uint64_t(header.phnum) * sizeof(elf::ProgramHeader));
}

} // namespace

lib::Result<void> load_module(std::string_view path, ModuleKind kind, Module& module)
{
    if (path.size() >= sizeof(module.path))
        return lib::Error(lib::Errno::NAMETOOLONG, "program path too long");
    memcpy(module.path, path.data(), path.size());
    module.path[path.size()] = 0;
    // The module's bytes, and the MappedFile its segments map the image's pages through.
    images::RofsNode node = TRY(fs::root_image().lookup(path));
    module.file_number = node.number();
    fs::RofsFile opened(fs::root_image(), node, path);
    auto policy = kind == ModuleKind::Executable ? AddressPolicy::AllowFixed : AddressPolicy::PositionIndependent;
    auto bytes = TRY(opened.contents());
    TRY(check_headers(opened, bytes));
    module.image = TRY(ElfImage::parse(bytes, policy));
    const ElfImage& image = module.image;
    if (kind == ModuleKind::Library && !image.plan().dynamic)
        return library_without_dynamic_error();
    uint64_t size = image.span_end() - image.span_start();
    // Reserve the whole span (gaps between segments stay PROT_NONE), then map the segments.
    const mm::MappedFile* file = TRY(opened.mapping());
    uint64_t base = TRY(reserve_span(image, kind));
    for (const LoadSegment& s : image.segments()) {
        auto mapped = map_segment(image, s, base, *file);
        if (mapped.is_error()) {
            (void)mm::unmap(base, size);
            return mapped.error();
        }
    }
    auto memory = std::span(reinterpret_cast<std::byte*>(base), size);
    auto object = LoadedObject::create(image, memory, base);
    if (object.is_error()) {
        (void)mm::unmap(base, size);
        return object.error();
    }
    module.object = object.release_value();
    register_module_symbols(module);
    klog::info(klog::Subsystem::Linker, "loaded {} at {:#x} ({} KiB)", path, base, size / 1024);
    return {};
}

void Module::note_use(Module& definer)
{
    if (&definer == this || !definer.unloadable)
        return;
    for (size_t i = 0; i < use_count; ++i)
        if (uses[i] == &definer)
            return;
    if (use_count == kMaxUses)
        definer.unloadable = false;
    else
        uses[use_count++] = &definer;
}

void unload_module(Module& module)
{
    if (module.symbols) {
        debug::unregister_symbol_source(*module.symbols);
        module.symbols.reset();
    }
    uint64_t start = module.object.bias() + module.image.span_start();
    (void)mm::unmap(start, module.image.span_end() - module.image.span_start());
}

lib::Result<void> protect_segments(const Module& module)
{
    const ElfImage& image = module.image;
    uint64_t bias = module.object.bias();
    for (const LoadSegment& s : image.segments()) {
        uint64_t start = mm::page_round_down(bias + s.vaddr), end = mm::page_round_up(bias + s.vaddr + s.memsz);
        TRY(mm::protect(start, end - start, protection(s.flags)));
    }
    return {};
}

lib::Result<void> protect_module(const Module& module)
{
    TRY(protect_segments(module));
    const ElfImage& image = module.image;
    uint64_t bias = module.object.bias();
    if (const auto* relro = image.relro()) {
        uint64_t start = mm::page_round_down(bias + relro->vaddr),
                 end = mm::page_round_down(bias + relro->vaddr + relro->memsz);
        if (end > start)
            TRY(mm::protect(start, end - start, mm::ProtRead));
    }
    return {};
}

} // namespace linker
