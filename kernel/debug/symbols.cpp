#include <kernel/debug/symbols.h>

#include <fmt/format.h>

// kernel.ld: the generated table, and the kernel's text.
extern "C" const char __osprey_symbols_start[], __osprey_symbols_end[];
extern "C" const char __text_start[], __text_end[];

namespace debug {

namespace {

// The layout scripts/gen-kernel-symbols writes; keep the two in step.
struct SymbolTableHeader {
    static constexpr uint32_t kMagic = 0x4d59534f; // "OSYM"
    static constexpr uint32_t kVersion = 1;
    uint32_t magic;
    uint32_t version;
    uint64_t count;
    const char* strings; // NUL-terminated names, addressed by SymbolEntry::name_offset
};
static_assert(sizeof(SymbolTableHeader) == 24);

struct SymbolEntry {
    uint64_t address; // sorted ascending, one entry per address
    uint32_t name_offset;
    uint32_t size; // 0: unknown, the function extends to the next entry
};
static_assert(sizeof(SymbolEntry) == 16);

const SymbolTableHeader* kernel_table()
{
    size_t bytes = size_t(__osprey_symbols_end - __osprey_symbols_start);
    auto* header = reinterpret_cast<const SymbolTableHeader*>(__osprey_symbols_start);
    if (bytes < sizeof(SymbolTableHeader) || header->magic != SymbolTableHeader::kMagic
        || header->version != SymbolTableHeader::kVersion
        || header->count > (bytes - sizeof(SymbolTableHeader)) / sizeof(SymbolEntry))
        return nullptr; // pass 1 (no table yet) or a mismatched generator
    return header;
}

std::optional<Symbol> lookup_kernel(uintptr_t address)
{
    auto* header = kernel_table();
    if (!header || header->count == 0)
        return std::nullopt;
    auto* entries = reinterpret_cast<const SymbolEntry*>(header + 1);
    // The last entry whose address is <= address.
    size_t low = 0, high = header->count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (entries[middle].address <= address)
            low = middle + 1;
        else
            high = middle;
    }
    if (low == 0)
        return std::nullopt;
    const auto& entry = entries[low - 1];
    uint64_t end = entry.size ? entry.address + entry.size
        : low < header->count ? entries[low].address
                              : uint64_t(uintptr_t(__text_end));
    if (address >= end)
        return std::nullopt;
    return Symbol { header->strings + entry.name_offset, address - entry.address, nullptr, 0 };
}

} // namespace

// Registered sources, newest first: a singly linked list through SymbolSource::m_next.
class SymbolRegistry {
public:
    static void add(SymbolSource& source);
    static void remove(SymbolSource& source);
    static std::optional<Symbol> lookup(uintptr_t address);

private:
    static inline SymbolSource* s_head;
};

std::optional<Symbol> SymbolRegistry::lookup(uintptr_t address)
{
    for (auto* source = __atomic_load_n(&s_head, __ATOMIC_ACQUIRE); source; source = source->m_next) {
        if (!source->contains(address))
            continue;
        Symbol symbol = { nullptr, 0, source->module(), address - source->base() };
        const char* name = nullptr;
        uintptr_t start = 0;
        if (source->find_function(address, name, start) && name && start <= address) {
            symbol.name = name;
            symbol.offset = address - start;
        }
        return symbol;
    }
    return std::nullopt;
}

bool SymbolSource::find_function(uintptr_t, const char*&, uintptr_t&) const { return false; }

void SymbolRegistry::add(SymbolSource& source)
{
    source.m_next = s_head;
    __atomic_store_n(&s_head, &source, __ATOMIC_RELEASE);
}

void SymbolRegistry::remove(SymbolSource& source)
{
    for (SymbolSource** link = &s_head; *link; link = &(*link)->m_next) {
        if (*link == &source) {
            __atomic_store_n(link, source.m_next, __ATOMIC_RELEASE);
            return;
        }
    }
}

void register_symbol_source(SymbolSource& source) { SymbolRegistry::add(source); }
void unregister_symbol_source(SymbolSource& source) { SymbolRegistry::remove(source); }

std::optional<Symbol> lookup_symbol(uintptr_t address)
{
    auto kernel_text_start = uintptr_t(__text_start), kernel_text_end = uintptr_t(__text_end);
    if (address >= kernel_text_start && address < kernel_text_end)
        return lookup_kernel(address);
    return SymbolRegistry::lookup(address);
}

size_t describe_address(uintptr_t address, AddressKind kind, char* buffer, size_t size)
{
    uintptr_t probe = kind == AddressKind::ReturnAddress && address ? address - 1 : address;
    auto symbol = lookup_symbol(probe);
    fmt::format_to_n_result<char*> r;
    if (!symbol)
        r = fmt::format_to_n(buffer, size, "?");
    else if (symbol->name && !symbol->module)
        r = fmt::format_to_n(buffer, size, "{}+{:#x}", symbol->name, address - (probe - symbol->offset));
    else if (symbol->name)
        r = fmt::format_to_n(buffer, size, "{}+{:#x} ({}+{:#x})", symbol->name, address - (probe - symbol->offset),
            symbol->module, symbol->module_offset + (address - probe));
    else
        r = fmt::format_to_n(buffer, size, "{}+{:#x}", symbol->module, symbol->module_offset + (address - probe));
    return r.size < size ? r.size : size;
}

} // namespace debug
