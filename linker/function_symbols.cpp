// find_function_symbol (function_symbols.h). ELF64 section headers and symbol tables:
// System V gABI, "Sections" and "Symbol Table".
#include <linker/elf.h>
#include <linker/function_symbols.h>

#include <cstring>

namespace linker {

namespace {

struct SectionHeader {
    uint32_t name, type;
    uint64_t flags, addr, offset, size;
    uint32_t link, info;
    uint64_t addralign, entsize;
};
static_assert(sizeof(SectionHeader) == 64);

constexpr uint32_t kShtSymtab = 2, kShtDynsym = 11;
constexpr uint8_t kSttFunc = 2;

template<typename T> bool read_at(std::span<const std::byte> file, uint64_t offset, T& out)
{
    if (offset > file.size() || file.size() - offset < sizeof(T))
        return false;
    memcpy(&out, file.data() + offset, sizeof(T));
    return true;
}

bool section(std::span<const std::byte> file, const elf::Header& header, uint32_t index, SectionHeader& out)
{
    if (index >= header.shnum || header.shentsize != sizeof(SectionHeader))
        return false;
    return read_at(file, header.shoff + uint64_t(index) * sizeof(SectionHeader), out);
}

/// The symbol table of `type` and its string table, if both lie inside the file.
bool symbol_table(std::span<const std::byte> file, const elf::Header& header, uint32_t type, SectionHeader& symbols,
    SectionHeader& strings)
{
    for (uint32_t i = 0; i < header.shnum; ++i) {
        if (!section(file, header, i, symbols) || symbols.type != type)
            continue;
        return section(file, header, symbols.link, strings) && strings.offset <= file.size()
            && strings.size <= file.size() - strings.offset;
    }
    return false;
}

std::string_view name_at(std::span<const std::byte> file, const SectionHeader& strings, uint32_t offset)
{
    if (offset >= strings.size)
        return {};
    auto* start = reinterpret_cast<const char*>(file.data() + strings.offset + offset);
    size_t limit = strings.size - offset;
    size_t length = strnlen(start, limit);
    return length < limit ? std::string_view(start, length) : std::string_view();
}

} // namespace

std::optional<FunctionSymbol> find_function_symbol(std::span<const std::byte> file, uint64_t vaddr)
{
    elf::Header header;
    if (!read_at(file, 0, header))
        return std::nullopt;
    SectionHeader symbols, strings;
    if (!symbol_table(file, header, kShtSymtab, symbols, strings)
        && !symbol_table(file, header, kShtDynsym, symbols, strings))
        return std::nullopt;
    std::optional<FunctionSymbol> best;
    for (uint64_t i = 0; i < symbols.size / sizeof(elf::Symbol); ++i) {
        elf::Symbol symbol;
        if (!read_at(file, symbols.offset + i * sizeof(elf::Symbol), symbol))
            break;
        if ((symbol.info & 0xf) != kSttFunc || symbol.value > vaddr || symbol.shndx == 0)
            continue;
        bool inside = vaddr - symbol.value < symbol.size;
        if (!inside && (symbol.size != 0 || (best && best->start >= symbol.value)))
            continue;
        best = FunctionSymbol { name_at(file, strings, symbol.name), symbol.value };
        if (inside)
            break;
    }
    return best && !best->name.empty() ? best : std::nullopt;
}

} // namespace linker
