// First-cut API over the staged core (see relocate.h).
#include <linker/relocate.h>

namespace linker {

namespace {

/// The first-cut Resolver seen as a SymbolResolver. COPY sources are host pointers, read
/// through a BufferMemory bounded by the definition's size.
class ResolverAdapter final : public SymbolResolver {
public:
    ResolverAdapter(const LoadedObject& object, Resolver& resolver) : m_object(object), m_resolver(resolver) { }

    lib::Result<ResolvedSymbol> resolve(const SymbolRequest& request) override
    {
        Binding b = TRY(m_resolver.resolve(m_object, request.index, request));
        ResolvedSymbol result { b.address, b.size, nullptr, b.tls_module, b.tls_offset, b.tls_dynamic };
        if (request.copy && b.address) {
            m_copy_source = BufferMemory({ reinterpret_cast<std::byte*>(b.address), b.size }, b.address);
            result.memory = &m_copy_source;
            note_copy(request.index, b);
        }
        return result;
    }
    lib::Result<uint64_t> call_ifunc(uint64_t address) override { return m_resolver.call_ifunc(address); }

private:
    void note_copy(uint32_t index, const Binding& b)
    {
        const elf::Symbol* s = m_object.symbol(index);
        if (s && s->size <= b.size)
            if (std::byte* copy = m_object.at(m_object.bias() + s->value, s->size))
                m_resolver.copied(copy, reinterpret_cast<const void*>(b.address), s->size);
    }

    const LoadedObject& m_object;
    Resolver& m_resolver;
    BufferMemory m_copy_source { {}, 0 };
};

} // namespace

lib::Result<void> relocate(const LoadedObject& object, Resolver& resolver)
{
    RelocationContext context { object.bias(), object.symbols(), 0, std::nullopt, resolver.tlsdesc_static_resolver() };
    context.tlsdesc_dynamic = resolver.tlsdesc_dynamic_resolver();
    if (object.has_tls()) {
        TlsPlacement own = TRY(resolver.own_tls(object));
        context.tls_module = own.module;
        if (!own.dynamic)
            context.tls_offset = own.offset;
        context.tls_vaddr = object.tls_vaddr();
    }
    RelocationTables tables = TRY(relocation_tables(object.view(), object.dynamic()));
    BufferMemory memory(object.memory(), object.load_address());
    ResolverAdapter adapter(object, resolver);
    return apply_relocations(context, tables, memory, adapter);
}

} // namespace linker
