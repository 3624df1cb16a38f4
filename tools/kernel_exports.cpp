#include "kernel_exports.h"

#include "cli_error.h"

#include <elf.h>

#include <cstring>
#include <optional>
#include <span>

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

    template<typename T>
    T read(uint64_t offset, const char* what) const
    {
        if (offset > m_bytes.size() || m_bytes.size() - offset < sizeof(T))
            fail(std::string("is truncated: its ") + what + " lies past its end");
        T value;
        std::memcpy(&value, m_bytes.data() + offset, sizeof(T));
        return value;
    }

    Elf64_Shdr section(size_t index) const
    {
        return read<Elf64_Shdr>(m_header.e_shoff + index * sizeof(Elf64_Shdr), "section headers");
    }

    /// The value of the symbol table's `name`; nothing if absent (or no symbol table).
    std::optional<uint64_t> symbol(std::string_view name) const
    {
        for (size_t i = 0; i < m_header.e_shnum; ++i) {
            Elf64_Shdr symtab = section(i);
            if (symtab.sh_type != SHT_SYMTAB || symtab.sh_entsize != sizeof(Elf64_Sym))
                continue;
            Elf64_Shdr strtab = section(symtab.sh_link);
            for (uint64_t at = 0; at + sizeof(Elf64_Sym) <= symtab.sh_size; at += sizeof(Elf64_Sym)) {
                auto sym = read<Elf64_Sym>(symtab.sh_offset + at, "symbol table");
                if (sym.st_name < strtab.sh_size && string_at(strtab.sh_offset + sym.st_name) == name)
                    return sym.st_value;
            }
        }
        return std::nullopt;
    }

    /// The file offset of kernel address `address` with `size` bytes after it in one
    /// PT_LOAD's file bytes; nothing if none holds them.
    std::optional<uint64_t> offset_of(uint64_t address, uint64_t size) const
    {
        for (size_t i = 0; i < m_header.e_phnum; ++i) {
            auto segment = read<Elf64_Phdr>(m_header.e_phoff + i * sizeof(Elf64_Phdr), "program headers");
            if (segment.p_type != PT_LOAD || address < segment.p_vaddr || address - segment.p_vaddr > segment.p_filesz
                || segment.p_filesz - (address - segment.p_vaddr) < size)
                continue;
            return segment.p_offset + (address - segment.p_vaddr);
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
    auto start = elf.symbol("__osprey_exports_start"), end = elf.symbol("__osprey_exports_end");
    if (!start || !end || *end < *start)
        elf.fail("has no glibc export table (no __osprey_exports_start/_end symbols): give an unstripped osprey-kernel.elf");
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
    for (size_t i = libc_shim::export_lower_bound(m_entries, name); i < m_entries.size() && m_entries[i].name == name; ++i)
        versions.push_back(m_entries[i].version);
    return versions;
}

} // namespace tools
