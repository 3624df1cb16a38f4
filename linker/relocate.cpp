// A whole loaded object relocated through the staged core (relocate.h).
#include <linker/relocate.h>

namespace linker {

namespace {

/// `resolver`, with COPY sources read in this process when it names no Memory for them.
class CopyFromThisProcess final : public SymbolResolver {
public:
    explicit CopyFromThisProcess(SymbolResolver& resolver) : m_resolver(resolver) { }

    lib::Result<ResolvedSymbol> resolve(const SymbolRequest& request) override
    {
        ResolvedSymbol result = TRY(m_resolver.resolve(request));
        if (request.copy && result.address && !result.memory) {
            m_source = BufferMemory({ reinterpret_cast<std::byte*>(result.address), result.size }, result.address);
            result.memory = &m_source;
        }
        return result;
    }
    lib::Result<uint64_t> call_ifunc(uint64_t resolver) override { return m_resolver.call_ifunc(resolver); }

private:
    SymbolResolver& m_resolver;
    BufferMemory m_source { {}, 0 };
};

} // namespace

lib::Result<void> relocate(const LoadedObject& object, const ObjectTls& tls, SymbolResolver& resolver)
{
    RelocationContext context { object.bias(), object.symbols(), 0, std::nullopt, tls.tlsdesc_static };
    context.tlsdesc_dynamic = tls.tlsdesc_dynamic;
    if (object.has_tls()) {
        context.tls_module = tls.module;
        context.tls_offset = tls.offset;
        context.tls_vaddr = object.tls_vaddr();
    }
    RelocationTables tables = TRY(relocation_tables(object.view(), object.dynamic()));
    BufferMemory memory(object.memory(), object.load_address());
    CopyFromThisProcess copying(resolver);
    return apply_relocations(context, tables, memory, copying);
}

} // namespace linker
