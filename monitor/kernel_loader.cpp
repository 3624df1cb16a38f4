#include "kernel_loader.h"

#include <linker/elf_format.h>

#include <cstring>

namespace monitor {

namespace {

constexpr lib::Error bad(const char* message) { return lib::Error(lib::Errno::NOEXEC, message); }

constexpr uint64_t align4(uint64_t n) { return (n + 3) & ~uint64_t(3); }

lib::Result<linker::ElfFile> parse(std::span<const std::byte> file)
{
    auto elf = linker::parse_elf(file);
    if (elf.is_error())
        return bad(elf.error().message);
    if (elf->type != linker::ElfType::Executable)
        return bad("kernel ELF: not an ET_EXEC executable");
    return elf;
}

// One ELF note (gABI §5 "Note Section"): namesz, descsz, type, name and desc each padded
// to 4 bytes. Returns the entry if this is Xen's PHYS32_ENTRY note, 0 otherwise.
lib::Result<uint32_t> scan_notes(std::span<const std::byte> notes)
{
    while (notes.size() >= 12) {
        uint32_t header[3];
        memcpy(header, notes.data(), sizeof(header));
        uint64_t name_size = align4(header[0]), desc_size = align4(header[1]);
        if (!range_inside(12, name_size, notes.size()) || !range_inside(12 + name_size, desc_size, notes.size()))
            return bad("kernel ELF: note extends past its segment");
        auto name = notes.subspan(12, header[0]);
        bool xen = header[0] == 4 && memcmp(name.data(), "Xen", 4) == 0;
        if (xen && header[2] == kXenElfNotePhys32Entry) {
            if (header[1] != 4 && header[1] != 8)
                return bad("kernel ELF: PHYS32_ENTRY note has a bad size");
            uint32_t entry;
            memcpy(&entry, notes.data() + 12 + name_size, sizeof(entry));
            return entry;
        }
        notes = notes.subspan(12 + name_size + desc_size);
    }
    return uint32_t(0);
}

constexpr uint64_t kPage = 4096;

constexpr uint64_t page_down(uint64_t n) { return n & ~(kPage - 1); }
constexpr uint64_t page_up(uint64_t n) { return page_down(n + kPage - 1); }

/// Puts the segment's file bytes at p_paddr and zeroes the rest of p_memsz (bss). The whole
/// pages of the file part are mapped from `fd` (copy-on-write), when file offset and address
/// agree modulo the page size, as they do in any linked kernel; the partial pages at the two
/// ends are copied, so no byte outside the segment changes. The bss becomes fresh zero pages.
/// Touching as few pages as possible matters under nested virtualization, where each host
/// page fault is expensive (docs/architecture.md, "Boot time").
lib::Result<void> load_segment(
    const linker::elf::ProgramHeader& ph, std::span<const std::byte> file, int fd, const GuestMemory& memory)
{
    if (ph.filesz > ph.memsz)
        return bad("kernel ELF: segment file size exceeds its memory size");
    if (!range_inside(ph.offset, ph.filesz, file.size()))
        return bad("kernel ELF: segment extends past the end of the file");
    if (ph.paddr < kLowestKernelAddress)
        return bad("kernel ELF: segment below 1 MiB");
    auto target = memory.span(ph.paddr, ph.memsz);
    if (target.is_error())
        return bad("kernel ELF: segment outside guest RAM (more --memory?)");
    uint64_t file_end = ph.paddr + ph.filesz;
    uint64_t map_from = page_up(ph.paddr), map_to = page_down(file_end);
    bool mappable = (ph.paddr - ph.offset) % kPage == 0 && map_from < map_to;
    auto copy = [&](uint64_t from, uint64_t to) {
        memcpy(target->data() + (from - ph.paddr), file.data() + ph.offset + (from - ph.paddr), to - from);
    };
    if (mappable) {
        copy(ph.paddr, map_from);
        TRY(memory.map_file_pages(map_from, fd, ph.offset + (map_from - ph.paddr), map_to - map_from));
        copy(map_to, file_end);
    } else {
        copy(ph.paddr, file_end);
    }
    if (ph.memsz > ph.filesz)
        TRY(memory.zero(file_end, ph.memsz - ph.filesz));
    return {};
}

} // namespace

lib::Result<uint32_t> find_pvh_entry(std::span<const std::byte> file)
{
    auto elf = TRY(parse(file));
    for (const auto& ph : elf.program_headers) {
        if (ph.type != linker::elf::PT_NOTE)
            continue;
        if (!range_inside(ph.offset, ph.filesz, file.size()))
            return bad("kernel ELF: note segment extends past the end of the file");
        uint32_t entry = TRY(scan_notes(file.subspan(ph.offset, ph.filesz)));
        if (entry)
            return entry;
    }
    return bad("kernel ELF: no PVH entry (Xen note PHYS32_ENTRY): not an Osprey kernel?");
}

lib::Result<LoadedKernel> load_kernel(std::span<const std::byte> file, int fd, const GuestMemory& memory)
{
    auto elf = TRY(parse(file));
    LoadedKernel kernel { TRY(find_pvh_entry(file)), UINT64_MAX, 0 };
    for (const auto& ph : elf.program_headers) {
        if (ph.type != linker::elf::PT_LOAD || ph.memsz == 0)
            continue;
        TRY(load_segment(ph, file, fd, memory));
        kernel.phys_start = std::min(kernel.phys_start, ph.paddr);
        kernel.phys_end = std::max(kernel.phys_end, ph.paddr + ph.memsz);
    }
    if (kernel.phys_end == 0)
        return bad("kernel ELF: no loadable segment");
    if (kernel.entry32 < kernel.phys_start || kernel.entry32 >= kernel.phys_end)
        return bad("kernel ELF: PVH entry point outside the loaded segments");
    return kernel;
}

} // namespace monitor
