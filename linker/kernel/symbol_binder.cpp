#include "symbol_binder.h"

#include <kernel/console/log.h>
#include <libc_shim/exports.h>
#include <libc_shim/startup.h>
#include <mm/address_space.h>

#include <cstdlib>
#include <cstring>

namespace linker {

namespace {

constexpr size_t kMaxStubs = 1024, kStubSize = 32;
libc_shim::MissingSymbol g_missing[kMaxStubs];
size_t g_stub_count;
uint8_t* g_stub_page;

void put64(uint8_t* p, uint64_t v) { memcpy(p, &v, 8); }

/// A NUL-terminated copy of `text` on the heap, or null without memory.
char* copy_of(std::string_view text)
{
    auto* copy = static_cast<char*>(malloc(text.size() + 1));
    if (copy) {
        memcpy(copy, text.data(), text.size());
        copy[text.size()] = 0;
    }
    return copy;
}

} // namespace

lib::Result<ResolvedSymbol> SymbolBinder::resolve(const SymbolRequest& request)
{
    auto object_of = [](const Module* m) -> const LoadedObject& { return m->object; };
    auto find_export = [](const SymbolRequest& r) -> std::optional<ExportBinding> {
        const auto* e = libc_shim::find_export(r.name, r.version);
        return e ? std::optional(ExportBinding { e->address, e->size }) : std::nullopt;
    };
    ScopeBinding bound = bind_in_scope(m_scope, object_of, &m_requester.object, request, find_export);
    ResolvedSymbol result;
    switch (bound.kind) {
    case ScopeBinding::Kind::Object: {
        Module& m = *m_scope[bound.object_index];
        if (m.unloadable) // only dlopen'ed objects: start-up binding pays nothing
            m_requester.note_use(m);
        const Definition& def = bound.definition;
        uint8_t type = elf::symbol_type(*def.symbol);
        if (type == elf::STT_TLS)
            return ResolvedSymbol { def.symbol->value, def.symbol->size, nullptr, m.tls_module, m.tls_offset,
                m.tls_dynamic };
        uint64_t address = def.address;
        if (type == elf::STT_GNU_IFUNC)
            address = TRY(call_ifunc(TRY(m.object.checked_ifunc_resolver(def))));
        result = { address, def.symbol->size };
        break;
    }
    case ScopeBinding::Kind::Export: result = { bound.exported.address, bound.exported.size }; break;
    case ScopeBinding::Kind::WeakUnbound: return ResolvedSymbol {};
    case ScopeBinding::Kind::MissingData:
        klog::error(klog::Subsystem::Linker, "missing data symbol {}@{} needed by {}", request.name, request.version,
            m_requester.path);
        return lib::Error(lib::Errno::LIBBAD, "a data symbol the program needs is not provided");
    case ScopeBinding::Kind::MissingFunction:
        klog::debug(klog::Subsystem::Linker, "{}@{} needed by {}: bound to a missing-symbol stub", request.name,
            request.version, m_requester.path);
        return ResolvedSymbol { TRY(missing_function_stub(request)) };
    }
    if (request.copy && result.address)
        note_copy(request, result.address, result.size);
    return result; // a COPY reads the definition where it is: relocate() says so
}

void SymbolBinder::note_copy(const SymbolRequest& request, uint64_t original, uint64_t size)
{
    const elf::Symbol* own = m_requester.object.symbol(request.index);
    if (!own || own->size > size)
        return; // the relocation refuses it
    std::byte* copy = m_requester.object.at(m_requester.object.bias() + own->value, own->size);
    auto& startup = libc_shim::program_startup();
    if (copy && startup.copy_count < libc_shim::ProgramStartup::kMaxCopies)
        startup.copies[startup.copy_count++] = { copy, reinterpret_cast<const void*>(original), own->size };
}

lib::Result<uint64_t> SymbolBinder::missing_function_stub(const SymbolRequest& request)
{
    if (!g_stub_page)
        g_stub_page = reinterpret_cast<uint8_t*>(TRY(mm::map_anonymous(
            0, kMaxStubs * kStubSize, mm::ProtRead | mm::ProtWrite | mm::ProtExec, mm::Placement::Anywhere)));
    const char* needed_by = m_requester.path;
    // A plugin opened again (or another import of the same name by the same object) takes
    // the stub it had: dlopen/dlclose in a loop does not run out of stubs.
    for (size_t i = 0; i < g_stub_count; ++i)
        if (request.name == g_missing[i].name && request.version == g_missing[i].version
            && strcmp(needed_by, g_missing[i].needed_by) == 0)
            return reinterpret_cast<uint64_t>(g_stub_page + i * kStubSize);
    if (g_stub_count == kMaxStubs)
        return lib::Error(lib::Errno::NOMEM, "more than 1024 missing symbols");
    // The record keeps copies of its strings: the object's string table and path go when
    // it is unloaded, or when the dlopen that loaded it fails.
    libc_shim::MissingSymbol record { copy_of(request.name), copy_of(request.version), copy_of(needed_by) };
    if (!record.name || !record.version || !record.needed_by) {
        for (const char* copy : { record.name, record.version, record.needed_by })
            free(const_cast<char*>(copy));
        return lib::Error(lib::Errno::NOMEM, "no memory for a missing symbol's record");
    }
    g_missing[g_stub_count] = record;
    uint8_t* stub = g_stub_page + g_stub_count * kStubSize;
    stub[0] = 0x48, stub[1] = 0xbf; // movabs $record, %rdi
    put64(stub + 2, reinterpret_cast<uint64_t>(&g_missing[g_stub_count]));
    stub[10] = 0x48, stub[11] = 0xb8; // movabs $osprey_missing_symbol, %rax
    put64(stub + 12, reinterpret_cast<uint64_t>(&libc_shim::osprey_missing_symbol));
    stub[20] = 0xff, stub[21] = 0xe0; // jmp *%rax
    ++g_stub_count;
    return reinterpret_cast<uint64_t>(stub);
}

lib::Result<uint64_t> SymbolBinder::call_ifunc(uint64_t resolver)
{
    return reinterpret_cast<uint64_t (*)()>(resolver)();
}

ObjectTls tls_of(const Module& module)
{
    ObjectTls tls { module.tls_module, std::nullopt, reinterpret_cast<uint64_t>(&osprey_tlsdesc_static),
        reinterpret_cast<uint64_t>(&osprey_tlsdesc_dynamic) };
    if (!module.tls_dynamic)
        tls.offset = module.tls_offset;
    return tls;
}

} // namespace linker
