// ELF dynamic-section reader for the closure (System V gABI, "Dynamic Section" and
// "Program Header"; x86-64 psABI §4). Every offset and size read from the file is checked
// against the file size before use.
#include "elf_dynamic.h"

#include "cli_error.h"

#include <elf.h>

#include <cstring>
#include <fstream>

namespace tools {
namespace {

class ElfFile {
public:
    explicit ElfFile(const std::filesystem::path& path) : m_path(path), m_in(path, std::ios::binary)
    {
        std::error_code error;
        m_size = std::filesystem::file_size(path, error);
        if (!m_in || error)
            fail("cannot be read");
    }

    [[noreturn]] void fail(const std::string& what) const
    {
        throw CliError(kExitBadInput, "'" + m_path.string() + "' " + what);
    }

    // Reads `size` bytes at `offset` into `out`; fails if they are not all in the file.
    void read(uint64_t offset, uint64_t size, void* out)
    {
        if (offset > m_size || size > m_size - offset)
            fail("is a malformed ELF file (a header points past the end of the file)");
        m_in.seekg(static_cast<std::streamoff>(offset));
        m_in.read(static_cast<char*>(out), static_cast<std::streamsize>(size));
        if (!m_in)
            fail("cannot be read");
    }

    template<typename T>
    std::vector<T> read_array(uint64_t offset, uint64_t count)
    {
        if (count > m_size / sizeof(T))
            fail("is a malformed ELF file (a table is larger than the file)");
        std::vector<T> items(count);
        if (count > 0)
            read(offset, count * sizeof(T), items.data());
        return items;
    }

private:
    std::filesystem::path m_path;
    std::ifstream m_in;
    uint64_t m_size = 0;
};

Elf64_Ehdr read_header(ElfFile& file)
{
    Elf64_Ehdr header;
    file.read(0, sizeof(header), &header);
    if (std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0)
        file.fail("is not an ELF file");
    if (header.e_ident[EI_CLASS] != ELFCLASS64 || header.e_ident[EI_DATA] != ELFDATA2LSB
        || header.e_machine != EM_X86_64)
        file.fail("is not an x86-64 ELF64 file (Osprey runs x86-64 Linux programs)");
    if (header.e_type != ET_DYN && header.e_type != ET_EXEC)
        file.fail("is neither an executable nor a shared object (ELF type " + std::to_string(header.e_type) + ")");
    if (header.e_phentsize != sizeof(Elf64_Phdr))
        file.fail("is a malformed ELF file (bad program header size)");
    return header;
}

// The file offset of virtual address `address` (a PT_LOAD segment's file bytes).
std::optional<uint64_t> file_offset(const std::vector<Elf64_Phdr>& segments, uint64_t address)
{
    for (const Elf64_Phdr& segment : segments) {
        if (segment.p_type == PT_LOAD && address >= segment.p_vaddr && address - segment.p_vaddr < segment.p_filesz)
            return segment.p_offset + (address - segment.p_vaddr);
    }
    return std::nullopt;
}

struct DynamicTable {
    std::vector<Elf64_Dyn> entries;
    uint64_t strtab_address = 0;
    uint64_t strtab_size = 0;
};

DynamicTable read_dynamic(ElfFile& file, const Elf64_Phdr& dynamic)
{
    DynamicTable table;
    table.entries = file.read_array<Elf64_Dyn>(dynamic.p_offset, dynamic.p_filesz / sizeof(Elf64_Dyn));
    for (size_t i = 0; i < table.entries.size(); ++i) {
        if (table.entries[i].d_tag == DT_NULL) {
            table.entries.resize(i);
            break;
        }
        if (table.entries[i].d_tag == DT_STRTAB)
            table.strtab_address = table.entries[i].d_un.d_ptr;
        if (table.entries[i].d_tag == DT_STRSZ)
            table.strtab_size = table.entries[i].d_un.d_val;
    }
    return table;
}

std::string string_at(ElfFile& file, const std::vector<char>& strtab, uint64_t offset)
{
    if (offset >= strtab.size())
        file.fail("is a malformed ELF file (a dynamic string is outside DT_STRTAB)");
    const char* start = strtab.data() + offset;
    const void* end = std::memchr(start, '\0', strtab.size() - offset);
    if (!end)
        file.fail("is a malformed ELF file (an unterminated dynamic string)");
    return std::string(start, static_cast<const char*>(end));
}

void read_strings(ElfFile& file, const std::vector<Elf64_Phdr>& segments, const DynamicTable& table, ElfDynamicInfo& info)
{
    if (table.entries.empty())
        return;
    std::optional<uint64_t> strtab_offset = file_offset(segments, table.strtab_address);
    if (!strtab_offset || table.strtab_size == 0)
        file.fail("is a malformed ELF file (DT_STRTAB missing or outside the loadable segments)");
    std::vector<char> strtab = file.read_array<char>(*strtab_offset, table.strtab_size);
    for (const Elf64_Dyn& entry : table.entries) {
        switch (entry.d_tag) {
        case DT_NEEDED: info.needed.push_back(string_at(file, strtab, entry.d_un.d_val)); break;
        case DT_SONAME: info.soname = string_at(file, strtab, entry.d_un.d_val); break;
        case DT_RPATH: info.rpath = string_at(file, strtab, entry.d_un.d_val); break;
        case DT_RUNPATH: info.runpath = string_at(file, strtab, entry.d_un.d_val); break;
        default: break;
        }
    }
}

} // namespace

bool looks_like_elf(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    char magic[SELFMAG] = {};
    in.read(magic, SELFMAG);
    return in && std::memcmp(magic, ELFMAG, SELFMAG) == 0;
}

ElfDynamicInfo read_elf_dynamic(const std::filesystem::path& path)
{
    ElfFile file(path);
    Elf64_Ehdr header = read_header(file);
    ElfDynamicInfo info;
    info.type = header.e_type == ET_DYN ? ElfDynamicInfo::Type::SharedObject : ElfDynamicInfo::Type::Executable;
    std::vector<Elf64_Phdr> segments = file.read_array<Elf64_Phdr>(header.e_phoff, header.e_phnum);
    const Elf64_Phdr* dynamic = nullptr;
    for (const Elf64_Phdr& segment : segments) {
        if (segment.p_type == PT_DYNAMIC)
            dynamic = &segment;
        if (segment.p_type == PT_INTERP)
            info.has_interpreter = true;
    }
    if (dynamic)
        read_strings(file, segments, read_dynamic(file, *dynamic), info);
    return info;
}

} // namespace tools
