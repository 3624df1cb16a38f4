#include "kernel_exports.h"

#include "cli_error.h"

#include <elf.h>

#include <cstring>
#include <initializer_list>
#include <optional>
#include <span>
#include <vector>

namespace tools {

namespace {

/// A bounds-checked reader of an ELF64 file's tables. Every read names what it wanted, so
/// a truncated or foreign file gives a message and never a read past the mapping.
class ElfFile {
public:
    ElfFile(std::span<const std::byte> bytes, const std::filesystem::path& path) : m_bytes(bytes), m_path(path)
    {
        m_header = read<Elf64_Ehdr>(0, "ELF header");
        if (std::memcmp(m_header.e_ident, ELFMAG, SELFMAG) != 0 || m_header.e_ident[EI_CLASS] != ELFCLASS64
            || m_header.e_machine != EM_X86_64)
            fail("is not an x86-64 ELF file");
        if (m_header.e_shentsize != sizeof(Elf64_Shdr) || m_header.e_phentsize != sizeof(Elf64_Phdr))
            fail("has section or program headers of an unexpected size");
    }

    template<typename T> T read(uint64_t offset, const char* what) const
    {
        if (offset > m_bytes.size() || m_bytes.size() - offset < sizeof(T))
            fail(std::string("is truncated: its ") + what + " lies past its end");
        T value;
        std::memcpy(&value, m_bytes.data() + offset, sizeof(T));
        return value;
    }

    Elf64_Shdr section(size_t index) const
    {
        return read<Elf64_Shdr>(sum(m_header.e_shoff, index * sizeof(Elf64_Shdr)), "section headers");
    }

    /// The values of the symbols `names` in the symbol table (one pass over it); nothing
    /// for a name it lacks. A name is compared inside its string table's bounds.
    std::vector<std::optional<uint64_t>> symbols(std::initializer_list<std::string_view> names) const
    {
        std::vector<std::optional<uint64_t>> values(names.size());
        for (size_t i = 0; i < m_header.e_shnum; ++i) {
            Elf64_Shdr symtab = section(i);
            if (symtab.sh_type != SHT_SYMTAB || symtab.sh_entsize != sizeof(Elf64_Sym))
                continue;
            if (symtab.sh_link >= m_header.e_shnum)
                fail("has a symbol table whose string table does not exist");
            Elf64_Shdr strtab = section(symtab.sh_link);
            within(strtab.sh_offset, strtab.sh_size, "string table");
            within(symtab.sh_offset, symtab.sh_size, "symbol table");
            std::string_view strings(reinterpret_cast<const char*>(m_bytes.data()) + strtab.sh_offset, strtab.sh_size);
            for (uint64_t at = 0; at + sizeof(Elf64_Sym) <= symtab.sh_size; at += sizeof(Elf64_Sym)) {
                auto sym = read<Elf64_Sym>(symtab.sh_offset + at, "symbol table");
                if (sym.st_name >= strings.size())
                    continue;
                std::string_view rest = strings.substr(sym.st_name);
                size_t index = 0;
                for (std::string_view name : names) {
                    if (rest.size() > name.size() && rest.substr(0, name.size()) == name && rest[name.size()] == '\0')
                        values[index] = sym.st_value;
                    ++index;
                }
            }
            return values; // the one symbol table
        }
        return values;
    }

    /// The file offset of kernel address `address` with `size` bytes after it in one
    /// PT_LOAD's file bytes; nothing if none holds them.
    std::optional<uint64_t> offset_of(uint64_t address, uint64_t size) const
    {
        for (size_t i = 0; i < m_header.e_phnum; ++i) {
            auto segment = read<Elf64_Phdr>(sum(m_header.e_phoff, i * sizeof(Elf64_Phdr)), "program headers");
            if (segment.p_type != PT_LOAD || address < segment.p_vaddr || address - segment.p_vaddr > segment.p_filesz
                || segment.p_filesz - (address - segment.p_vaddr) < size)
                continue;
            return sum(segment.p_offset, address - segment.p_vaddr);
        }
        return std::nullopt;
    }

    /// The NUL-terminated string at `offset`; empty if it does not end inside the file.
    std::string_view string_at(uint64_t offset) const
    {
        if (offset >= m_bytes.size())
            return {};
        const char* start = reinterpret_cast<const char*>(m_bytes.data()) + offset;
        const void* end = std::memchr(start, 0, m_bytes.size() - offset);
        return end ? std::string_view(start, static_cast<const char*>(end) - start) : std::string_view();
    }

    /// `a + b`, or the file refused: offsets from the file never wrap around.
    uint64_t sum(uint64_t a, uint64_t b) const
    {
        uint64_t total;
        if (__builtin_add_overflow(a, b, &total))
            fail("has an offset past 2^64");
        return total;
    }

    /// Refuses the file unless [offset, offset + size) lies inside it.
    void within(uint64_t offset, uint64_t size, const char* what) const
    {
        if (offset > m_bytes.size() || m_bytes.size() - offset < size)
            fail(std::string("is truncated: its ") + what + " lies past its end");
    }

    [[noreturn]] void fail(const std::string& what) const
    {
        throw CliError(kExitBadInput, "kernel '" + m_path.string() + "' " + what);
    }

private:
    std::span<const std::byte> m_bytes;
    const std::filesystem::path& m_path;
    Elf64_Ehdr m_header;
};

} // namespace

KernelExports::KernelExports(const std::filesystem::path& kernel) : m_file(kernel)
{
    ElfFile elf(m_file.bytes(), kernel);
    auto bounds = elf.symbols({ "__osprey_exports_start", "__osprey_exports_end" });
    std::optional<uint64_t> start = bounds[0], end = bounds[1];
    if (!start || !end || *end < *start)
        elf.fail(
            "has no glibc export table (no __osprey_exports_start/_end symbols): give an unstripped osprey-kernel.elf");
    uint64_t bytes = *end - *start;
    if (bytes == 0 || bytes % sizeof(libc_shim::ExportEntry) != 0)
        elf.fail("has an empty or misaligned glibc export table (a pass-1 kernel?): give the final osprey-kernel.elf");
    auto table = elf.offset_of(*start, bytes);
    if (!table)
        elf.fail("has its glibc export table outside its loaded segments");
    auto text = [&](uint64_t address) {
        auto offset = elf.offset_of(address, 1);
        std::string_view string = offset ? elf.string_at(*offset) : std::string_view();
        if (string.empty())
            elf.fail("has a glibc export entry whose name or version lies outside the file");
        return string.data();
    };
    for (uint64_t at = 0; at < bytes; at += sizeof(libc_shim::ExportEntry)) {
        auto entry = elf.read<libc_shim::ExportEntry>(*table + at, "glibc export table");
        // The pointers are kernel addresses: read them as numbers, then point into the file.
        uint64_t name, version, soname;
        std::memcpy(&name, &entry.name, 8);
        std::memcpy(&version, &entry.version, 8);
        std::memcpy(&soname, &entry.soname, 8);
        entry.name = text(name);
        entry.version = text(version);
        entry.soname = text(soname);
        if (!m_entries.empty() && std::string_view(m_entries.back().name) > entry.name)
            elf.fail("has a glibc export table out of order");
        m_entries.push_back(entry);
    }
}

std::vector<std::string_view> KernelExports::versions_of(std::string_view name) const
{
    std::vector<std::string_view> versions;
    for (size_t i = libc_shim::export_lower_bound(m_entries, name); i < m_entries.size() && m_entries[i].name == name;
         ++i)
        versions.push_back(m_entries[i].version);
    return versions;
}

} // namespace tools
