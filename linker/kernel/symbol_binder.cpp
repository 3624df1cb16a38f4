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

Module* SymbolBinder::module_of(const LoadedObject& object) const
{
    for (Module* m : m_scope)
        if (&m->object == &object)
            return m;
    return nullptr;
}

lib::Result<Binding> SymbolBinder::resolve(const LoadedObject& object, uint32_t, const SymbolRequest& request)
{
    auto object_of = [](const Module* m) -> const LoadedObject& { return m->object; };
    auto find_export = [](const SymbolRequest& r) -> std::optional<ExportBinding> {
        const auto* e = libc_shim::find_export(r.name, r.version);
        return e ? std::optional(ExportBinding { e->address, e->size }) : std::nullopt;
    };
    ScopeBinding bound = bind_in_scope(m_scope, object_of, &object, request, find_export);
    switch (bound.kind) {
    case ScopeBinding::Kind::Object: {
        Module& m = *m_scope[bound.object_index];
        if (m.unloadable) // only dlopen'ed objects: start-up binding pays nothing
            if (Module* requester = module_of(object))
                requester->note_use(m);
        const Definition& def = bound.definition;
        uint8_t type = elf::symbol_type(*def.symbol);
        if (type == elf::STT_TLS)
            return Binding { def.symbol->value, def.symbol->size, m.tls_offset, m.tls_module, m.tls_dynamic };
        uint64_t address = def.address;
        if (type == elf::STT_GNU_IFUNC)
            address = call_ifunc(TRY(m.object.checked_ifunc_resolver(def)));
        return Binding { address, def.symbol->size, 0 };
    }
    case ScopeBinding::Kind::Export: return Binding { bound.exported.address, bound.exported.size, 0 };
    case ScopeBinding::Kind::WeakUnbound: return Binding { 0, 0, 0 };
    case ScopeBinding::Kind::MissingData: {
        const Module* requester = module_of(object);
        klog::error(klog::Subsystem::Linker, "missing data symbol {}@{} needed by {}", request.name, request.version,
            requester ? requester->path : "?");
        return lib::Error(lib::Errno::LIBBAD, "a data symbol the program needs is not provided");
    }
    case ScopeBinding::Kind::MissingFunction: break;
    }
    const Module* requester = module_of(object);
    klog::debug(klog::Subsystem::Linker, "{}@{} needed by {}: bound to a missing-symbol stub", request.name,
        request.version, requester ? requester->path : "?");
    return Binding { TRY(missing_function_stub(object, request)), 0, 0 };
}

lib::Result<uint64_t> SymbolBinder::missing_function_stub(const LoadedObject& object, const SymbolRequest& request)
{
    if (!g_stub_page)
        g_stub_page = reinterpret_cast<uint8_t*>(TRY(mm::map_anonymous(
            0, kMaxStubs * kStubSize, mm::ProtRead | mm::ProtWrite | mm::ProtExec, mm::Placement::Anywhere)));
    const Module* requester = module_of(object);
    const char* needed_by = requester ? requester->path : "?";
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

uint64_t SymbolBinder::call_ifunc(uint64_t address) { return reinterpret_cast<uint64_t (*)()>(address)(); }

lib::Result<TlsPlacement> SymbolBinder::own_tls(const LoadedObject& object)
{
    const Module* m = module_of(object);
    if (!m || !m->tls_module)
        return lib::Error(lib::Errno::NOEXEC, "TLS relocation in an object without PT_TLS");
    return TlsPlacement { m->tls_module, m->tls_offset, m->tls_dynamic };
}

uint64_t SymbolBinder::tlsdesc_static_resolver() { return reinterpret_cast<uint64_t>(&osprey_tlsdesc_static); }

uint64_t SymbolBinder::tlsdesc_dynamic_resolver() { return reinterpret_cast<uint64_t>(&osprey_tlsdesc_dynamic); }

void SymbolBinder::copied(void* copy, const void* original, size_t size)
{
    auto& startup = libc_shim::program_startup();
    if (startup.copy_count < libc_shim::ProgramStartup::kMaxCopies)
        startup.copies[startup.copy_count++] = { copy, original, size };
}

} // namespace linker
