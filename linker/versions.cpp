// GNU symbol versions (LSB Core §11.7 "Symbol Versioning"): which version a symbol has or
// needs, decoded from DT_VERSYM through DT_VERDEF (definitions) and DT_VERNEED (needs).
#include <linker/symbols.h>

namespace linker {

lib::Result<std::optional<SymbolVersion>> SymbolTable::defined_version(uint16_t index) const
{
    uint64_t address = m_verdef;
    for (uint64_t i = 0; m_verdef && i < m_verdefnum; ++i) {
        auto def = m_view.read<elf::Verdef>(address);
        if (!def)
            return elf_error("ELF: DT_VERDEF entry outside the object");
        if (def->version != elf::VER_DEF_CURRENT)
            return elf_error("ELF: unknown DT_VERDEF revision");
        if ((def->ndx & elf::kVersymIndexMask) == index) {
            auto aux = m_view.read<elf::Verdaux>(address + def->aux);
            if (!aux || def->cnt == 0)
                return elf_error("ELF: DT_VERDEF entry without a name");
            return SymbolVersion { TRY(string(aux->name)), {}, index, false };
        }
        if (!def->next)
            break;
        address += def->next;
    }
    return std::optional<SymbolVersion>();
}

lib::Result<std::optional<SymbolVersion>> SymbolTable::needed_version(uint16_t index) const
{
    uint64_t address = m_verneed;
    for (uint64_t i = 0; m_verneed && i < m_verneednum; ++i) {
        auto need = m_view.read<elf::Verneed>(address);
        if (!need)
            return elf_error("ELF: DT_VERNEED entry outside the object");
        if (need->version != elf::VER_NEED_CURRENT)
            return elf_error("ELF: unknown DT_VERNEED revision");
        uint64_t aux_address = address + need->aux;
        for (uint16_t j = 0; j < need->cnt; ++j) {
            auto aux = m_view.read<elf::Vernaux>(aux_address);
            if (!aux)
                return elf_error("ELF: DT_VERNEED auxiliary entry outside the object");
            if ((aux->other & elf::kVersymIndexMask) == index)
                return SymbolVersion { TRY(string(aux->name)), TRY(string(need->file)), index, false };
            aux_address += aux->next;
        }
        if (!need->next)
            break;
        address += need->next;
    }
    return std::optional<SymbolVersion>();
}

lib::Result<SymbolVersion> SymbolTable::version(uint32_t index) const
{
    if (index >= m_count)
        return elf_error("ELF: symbol index out of range");
    if (m_versym.empty())
        return SymbolVersion {};
    uint16_t versym = m_versym[index];
    uint16_t version_index = versym & elf::kVersymIndexMask;
    bool hidden = (versym & elf::kVersymHidden) != 0;
    if (version_index <= elf::VER_NDX_GLOBAL)
        return SymbolVersion { {}, {}, version_index, hidden };
    auto found = TRY(defined_version(version_index));
    if (!found)
        found = TRY(needed_version(version_index));
    if (!found)
        return elf_error("ELF: symbol version index names no DT_VERDEF or DT_VERNEED entry");
    found->hidden = hidden;
    return *found;
}

/// Walks both version chains once, so a malformed chain is reported at load time.
lib::Result<void> SymbolTable::check_versions() const
{
    if ((m_verdef && !m_view.bytes(m_verdef, sizeof(elf::Verdef)))
        || (m_verneed && !m_view.bytes(m_verneed, sizeof(elf::Verneed))))
        return elf_error("ELF: DT_VERDEF or DT_VERNEED outside the object");
    TRY(defined_version(elf::kVersymIndexMask)); // an index no real object uses: visits every entry
    TRY(needed_version(elf::kVersymIndexMask));
    return {};
}

lib::Result<std::optional<Import>> SymbolTable::import(uint32_t index) const
{
    elf::Symbol s = TRY(symbol(index));
    uint8_t binding = elf::symbol_binding(s);
    if (index == 0 || s.shndx != elf::SHN_UNDEF || binding == elf::STB_LOCAL)
        return std::optional<Import>();
    Import result { index, TRY(name(s)), binding == elf::STB_WEAK, elf::symbol_type(s), TRY(version(index)) };
    return std::optional<Import>(result);
}

} // namespace linker
