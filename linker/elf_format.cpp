#include <linker/elf_format.h>

#include <cstdint>
#include <cstring>

namespace linker {

namespace {

constexpr uint16_t kMaxProgramHeaders = 256;

lib::Result<void> check_ident(const elf::Header& h)
{
    if (memcmp(h.ident,
            "\x7f"
            "ELF",
            4)
        != 0)
        return elf_error("ELF: bad magic (not an ELF file)");
    if (h.ident[elf::EI_CLASS] != elf::ELFCLASS64)
        return elf_error("ELF: not a 64-bit (ELFCLASS64) file");
    if (h.ident[elf::EI_DATA] != elf::ELFDATA2LSB)
        return elf_error("ELF: not a little-endian file");
    if (h.ident[elf::EI_VERSION] != elf::EV_CURRENT || h.version != elf::EV_CURRENT)
        return elf_error("ELF: unknown ELF version");
    if (h.machine != elf::kMachineX86_64)
        return elf_error("ELF: not an x86-64 file");
    if (h.type != elf::kTypeExec && h.type != elf::kTypeDyn)
        return elf_error("ELF: not an executable or shared object");
    return {};
}

lib::Result<std::span<const elf::ProgramHeader>> program_header_table(
    const elf::Header& h, std::span<const std::byte> file)
{
    if (h.phentsize != sizeof(elf::ProgramHeader))
        return elf_error("ELF: program header entry size is not 56");
    if (h.phnum == 0)
        return elf_error("ELF: no program headers");
    if (h.phnum > kMaxProgramHeaders)
        return elf_error("ELF: more than 256 program headers");
    if (!range_fits(h.phoff, uint64_t(h.phnum) * sizeof(elf::ProgramHeader), file.size()))
        return elf_error("ELF: program header table extends past end of file");
    const std::byte* table = file.data() + h.phoff;
    if (reinterpret_cast<uintptr_t>(table) % alignof(elf::ProgramHeader) != 0)
        return elf_error("ELF: program header table misaligned");
    return std::span(reinterpret_cast<const elf::ProgramHeader*>(table), h.phnum);
}

} // namespace

lib::Result<ElfFile> parse_elf(std::span<const std::byte> file)
{
    if (file.size() < sizeof(elf::Header))
        return elf_error("ELF: file too short for an ELF header");
    ElfFile result {};
    memcpy(&result.header, file.data(), sizeof(elf::Header));
    TRY(check_ident(result.header));
    result.type = result.header.type == elf::kTypeDyn ? ElfType::SharedObject : ElfType::Executable;
    result.program_headers = TRY(program_header_table(result.header, file));
    return result;
}

} // namespace linker
