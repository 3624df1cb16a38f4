// Symbol lookup and GNU symbol versions of a loaded object (LSB Core "Symbol Versioning";
// DT_GNU_HASH as in binutils' bfd/elflink.c and glibc's dl-lookup.c, reimplemented).
#include <linker/loaded_object.h>

namespace linker {

std::string_view LoadedObject::version_name(uint16_t version_index) const
{
    const auto& d = m_dynamic;
    uint64_t address = m_bias + d.verdef;
    for (uint64_t i = 0; d.verdef && i < d.verdefnum; ++i) {
        auto* def = object_at<const elf::Verdef>(address);
        if (!def)
            return {};
        if ((def->ndx & elf::kVersymIndexMask) == version_index) {
            auto* aux = object_at<const elf::Verdaux>(address + def->aux);
            return aux ? string(aux->name) : std::string_view();
        }
        if (!def->next)
            break;
        address += def->next;
    }
    address = m_bias + d.verneed;
    for (uint64_t i = 0; d.verneed && i < d.verneednum; ++i) {
        auto* need = object_at<const elf::Verneed>(address);
        if (!need)
            return {};
        uint64_t aux_address = address + need->aux;
        for (uint16_t j = 0; j < need->cnt; ++j) {
            auto* aux = object_at<const elf::Vernaux>(aux_address);
            if (!aux)
                return {};
            if ((aux->other & elf::kVersymIndexMask) == version_index)
                return string(aux->name);
            aux_address += aux->next;
        }
        if (!need->next)
            break;
        address += need->next;
    }
    return {};
}

LoadedObject::SymbolVersion LoadedObject::symbol_version(uint32_t index) const
{
    if (!m_dynamic.versym || index >= m_symbol_count)
        return {};
    uint16_t versym = *object_at<const uint16_t>(m_bias + m_dynamic.versym + uint64_t(index) * 2);
    uint16_t version_index = versym & elf::kVersymIndexMask;
    if (version_index <= 1) // 0: local, 1: global (unversioned)
        return {};
    SymbolVersion result { version_name(version_index), {}, (versym & elf::kVersymHidden) != 0 };
    // For a needed version, find the file that provides it.
    uint64_t address = m_bias + m_dynamic.verneed;
    for (uint64_t i = 0; m_dynamic.verneed && i < m_dynamic.verneednum; ++i) {
        auto* need = object_at<const elf::Verneed>(address);
        if (!need)
            break;
        uint64_t aux_address = address + need->aux;
        for (uint16_t j = 0; j < need->cnt; ++j) {
            auto* aux = object_at<const elf::Vernaux>(aux_address);
            if (!aux)
                break;
            if ((aux->other & elf::kVersymIndexMask) == version_index)
                result.file = string(need->file);
            aux_address += aux->next;
        }
        if (!need->next)
            break;
        address += need->next;
    }
    return result;
}

bool LoadedObject::matches(uint32_t index, std::string_view name, std::string_view version) const
{
    const elf::Symbol* s = symbol(index);
    if (!s || s->shndx == elf::SHN_UNDEF || string(s->name) != name)
        return false;
    uint8_t binding = elf::symbol_binding(*s);
    if (binding != elf::STB_GLOBAL && binding != elf::STB_WEAK)
        return false;
    if (!m_dynamic.versym)
        return true;
    auto v = symbol_version(index);
    if (version.empty())
        return !v.hidden; // an unversioned reference binds to the default version
    return v.name.empty() || v.name == version;
}

std::optional<Definition> LoadedObject::lookup(std::string_view name, std::string_view version) const
{
    auto found = [&](uint32_t index) -> std::optional<Definition> {
        const elf::Symbol* s = symbol(index);
        return Definition { s, m_bias + s->value };
    };
    if (m_dynamic.gnu_hash) {
        auto* h = object_at<const uint32_t[4]>(m_bias + m_dynamic.gnu_hash);
        uint32_t nbuckets = (*h)[0], symoffset = (*h)[1], bloom_size = (*h)[2];
        uint64_t buckets = m_bias + m_dynamic.gnu_hash + 16 + uint64_t(bloom_size) * 8;
        uint64_t chains = buckets + uint64_t(nbuckets) * 4;
        uint32_t hash = gnu_hash(name);
        uint32_t index = *object_at<const uint32_t>(buckets + (hash % nbuckets) * 4);
        for (; index >= symoffset && index < m_symbol_count; ++index) {
            uint32_t chain = *object_at<const uint32_t>(chains + uint64_t(index - symoffset) * 4);
            if ((chain | 1) == (hash | 1) && matches(index, name, version))
                return found(index);
            if (chain & 1)
                break;
        }
        return std::nullopt;
    }
    for (uint32_t index = 1; index < m_symbol_count; ++index) // DT_HASH-only objects are rare: scan
        if (matches(index, name, version))
            return found(index);
    return std::nullopt;
}

} // namespace linker
