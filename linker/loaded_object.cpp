// First-cut API over the staged core (see loaded_object.h).
#include <linker/loaded_object.h>

namespace linker {

lib::Result<LoadedObject> LoadedObject::create(
    const ElfImage& image, std::span<std::byte> memory, uint64_t load_address)
{
    const LoadPlan& plan = image.plan();
    if (memory.size() < plan.span_size())
        return elf_error("ELF: loaded span smaller than the image");
    LoadedObject object;
    object.m_memory = memory;
    object.m_load_address = load_address;
    object.m_bias = load_address - plan.span_start;
    object.m_has_tls = plan.tls.has_value();
    object.m_tls_vaddr = plan.tls ? plan.tls->vaddr : 0;
    object.m_view = ImageView::loaded(memory, plan.span_start);
    if (!plan.dynamic)
        return object; // a static executable: nothing to link, no symbols to export
    object.m_dynamic = TRY(read_dynamic(object.m_view, plan));
    object.m_symbols = TRY(SymbolTable::create(object.m_view, object.m_dynamic));
    return object;
}

std::byte* LoadedObject::at(uint64_t address, uint64_t size) const
{
    if (address < m_load_address || !range_fits(address - m_load_address, size, m_memory.size()))
        return nullptr;
    return m_memory.data() + (address - m_load_address);
}

std::string_view LoadedObject::string(uint64_t offset) const
{
    auto s = m_symbols.string(offset);
    return s.is_error() ? std::string_view() : s.value();
}

const elf::Symbol* LoadedObject::symbol(uint32_t index) const
{
    if (index >= m_symbols.size())
        return nullptr;
    return object_at<const elf::Symbol>(m_bias + m_dynamic.symtab + uint64_t(index) * sizeof(elf::Symbol));
}

SymbolVersion LoadedObject::symbol_version(uint32_t index) const
{
    auto v = m_symbols.version(index);
    return v.is_error() ? SymbolVersion {} : v.value();
}

std::optional<Definition> LoadedObject::lookup(std::string_view name, std::string_view version) const
{
    auto found = m_symbols.lookup(name, version);
    if (!found)
        return std::nullopt;
    return Definition { symbol(found->index), m_bias + found->symbol.value };
}

lib::Result<uint64_t> LoadedObject::checked_ifunc_resolver(const Definition& definition) const
{
    if (!at(definition.address, 1))
        return ifunc_outside_object_error();
    return definition.address;
}

} // namespace linker
