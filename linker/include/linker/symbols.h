// Stage 4 of the linker: an object's dynamic symbol table. Lookup through DT_GNU_HASH
// (with its Bloom filter) or DT_HASH (gABI §5 "Hash Table"), GNU symbol versions
// (LSB Core §11.7: DT_VERSYM, DT_VERDEF, DT_VERNEED) and the list of an object's imports.
//
// Version matching: a lookup may name a version ("GLIBC_2.14"). A definition whose version
// is that one matches, hidden or not; an unversioned definition (no DT_VERSYM, or versym
// index 1) matches any request unless it is hidden. A lookup without a version matches
// unversioned definitions and the default version (`name@@VERSION`), never a hidden one
// (`name@VERSION`): a hidden version only matches an exact version request.
#pragma once

#include <linker/dynamic.h>

namespace linker {

/// The GNU hash of a symbol name (DT_GNU_HASH: h = h * 33 + c, from 5381).
uint32_t gnu_hash(std::string_view name);
/// The System V ELF hash (DT_HASH and vd_hash/vna_hash of symbol versioning).
uint32_t elf_hash(std::string_view name);

struct SymbolVersion {
    std::string_view name; // "" if unversioned
    std::string_view file; // a needed version (DT_VERNEED): the soname it comes from
    uint16_t index = 0;    // versym index without the hidden bit (0 local, 1 global)
    bool hidden = false;   // versym bit 15: not the default version of the name
};

/// An undefined symbol the object needs from elsewhere.
struct Import {
    uint32_t index;
    std::string_view name;
    bool weak;    // STB_WEAK: may stay unresolved (address 0)
    uint8_t type; // elf::STT_*
    SymbolVersion version;
};

struct SymbolDefinition {
    uint32_t index;
    elf::Symbol symbol; // st_value is a link-time address (or a TLS block offset)
    SymbolVersion version;
};

class SymbolTable {
public:
    SymbolTable() = default;
    /// Validates the symbol, string, hash and version tables `dynamic` names inside
    /// `view`. Errors (ENOEXEC): no DT_SYMTAB, no DT_HASH nor DT_GNU_HASH (the symbol
    /// count is unknown), a hash, symbol, versym, verdef or verneed table outside the
    /// view, a verdef/verneed chain leaving the view or with an unknown revision. Names
    /// (symbols', versions') are checked when used: string() and version() report them.
    static lib::Result<SymbolTable> create(const ImageView& view, const DynamicInfo& dynamic);

    uint32_t size() const { return m_count; }
    /// Symbol `index`. Error: ENOEXEC "symbol index out of range".
    lib::Result<elf::Symbol> symbol(uint32_t index) const;
    lib::Result<std::string_view> name(const elf::Symbol& symbol) const;
    lib::Result<std::string_view> string(uint64_t offset) const;
    /// The version symbol `index` has (a definition) or needs (an undefined symbol).
    /// Error: ENOEXEC if its versym index names no version of the object.
    lib::Result<SymbolVersion> version(uint32_t index) const;

    /// The exported (global, weak or unique; defined) symbol `name` matching `version`
    /// ("" for none) as described at the top of this file; nothing if not found.
    std::optional<SymbolDefinition> lookup(std::string_view name, std::string_view version = {}) const;

    /// Symbol `index` as an import; nothing if it is defined or local.
    lib::Result<std::optional<Import>> import(uint32_t index) const;
    /// Calls `visit(const Import&)` for each import, in symbol table order.
    template<typename Visit> lib::Result<void> for_each_import(Visit&& visit) const
    {
        for (uint32_t i = 1; i < m_count; ++i)
            if (auto found = TRY(import(i)))
                visit(*found);
        return {};
    }
    /// Calls `visit(uint16_t index, std::string_view name, bool base)` for each version the
    /// object defines (DT_VERDEF); `base` marks the VER_FLG_BASE entry (the soname).
    template<typename Visit> lib::Result<void> for_each_version_definition(Visit&& visit) const;

private:
    struct GnuHash {
        uint32_t nbuckets, symoffset, bloom_size, bloom_shift;
        std::span<const uint64_t> bloom;
        std::span<const uint32_t> buckets, chains;
    };
    struct SysvHash {
        std::span<const uint32_t> buckets, chains;
    };
    lib::Result<void> read_gnu_hash(uint64_t vaddr);
    lib::Result<void> read_sysv_hash(uint64_t vaddr);
    lib::Result<void> check_versions() const;
    lib::Result<std::optional<SymbolVersion>> defined_version(uint16_t index) const;
    lib::Result<std::optional<SymbolVersion>> needed_version(uint16_t index) const;
    bool matches(uint32_t index, std::string_view name, std::string_view version) const;
    std::optional<SymbolDefinition> lookup_gnu(std::string_view name, std::string_view version) const;
    std::optional<SymbolDefinition> lookup_sysv(std::string_view name, std::string_view version) const;
    std::optional<SymbolDefinition> definition(uint32_t index) const;

    ImageView m_view;
    uint64_t m_strtab = 0, m_strsz = 0;
    uint64_t m_verdef = 0, m_verdefnum = 0, m_verneed = 0, m_verneednum = 0;
    std::span<const elf::Symbol> m_symbols;
    std::span<const uint16_t> m_versym;
    std::optional<GnuHash> m_gnu;
    std::optional<SysvHash> m_sysv;
    uint32_t m_count = 0;
};

template<typename Visit> lib::Result<void> SymbolTable::for_each_version_definition(Visit&& visit) const
{
    uint64_t address = m_verdef;
    for (uint64_t i = 0; m_verdef && i < m_verdefnum; ++i) {
        auto def = m_view.read<elf::Verdef>(address);
        auto aux = m_view.read<elf::Verdaux>(address + (def ? def->aux : 0));
        if (!def || !aux)
            return elf_error("ELF: DT_VERDEF entry outside the object");
        visit(
            uint16_t(def->ndx & elf::kVersymIndexMask), TRY(string(aux->name)), (def->flags & elf::VER_FLG_BASE) != 0);
        if (!def->next)
            break;
        address += def->next;
    }
    return {};
}

} // namespace linker
