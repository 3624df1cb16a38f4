// Stage 4b of the linker: where one import binds, as glibc's ld.so binds in its global
// scope. The first object of the scope that defines the symbol (at the version asked),
// skipping the requesting object for a COPY (the executable's own copy is not the
// definition); then the glibc ABI the kernel exports; then nothing: a weak import binds
// to 0, a missing function to a stub that reports it when called, and missing data (an
// object, TLS, or anything a COPY asks for) cannot be bound at all.
//
// One rule for both users: the kernel's binder (linker/kernel/symbol_binder.cpp) and the
// CLI's `inspect --abi` (tools/abi_report.cpp), which tells before a boot what the kernel
// will do. Portable, header-only (the scope's type is the caller's), host-tested with fake
// objects (tests/host/linker_scope_binding_test.cpp).
#pragma once

#include <linker/loaded_object.h>
#include <linker/reloc.h>

#include <cstddef>
#include <cstdint>
#include <optional>

namespace linker {

/// A definition the kernel exports: its address and size.
struct ExportBinding {
    uint64_t address;
    uint64_t size;
};

struct ScopeBinding {
    enum class Kind : uint8_t {
        Object,          // defined by the scope's object at `object_index`: `definition`
        Export,          // the kernel's glibc export `exported`
        WeakUnbound,     // a weak import nobody defines: 0
        MissingFunction, // nobody defines it: a reporting stub stands in
        MissingData,     // nobody defines it, and nothing can stand in for data
    };
    Kind kind;
    size_t object_index = 0;
    Definition definition {};
    ExportBinding exported {};
};

/// Whether an import nobody provides is data, which cannot be stubbed.
inline bool is_data_request(const SymbolRequest& request)
{
    return request.type == elf::STT_OBJECT || request.type == elf::STT_TLS || request.copy;
}

/// Binds `request`, made by the object `requester`, in `scope` (searched in order;
/// `object_of(entry)` gives an entry's object, anything with
/// `std::optional<Definition> lookup(name, version) const`), then through
/// `find_export(request)` (std::optional<ExportBinding>).
template<typename Scope, typename ObjectOf, typename FindExport>
ScopeBinding bind_in_scope(const Scope& scope, ObjectOf&& object_of, const void* requester,
    const SymbolRequest& request, FindExport&& find_export)
{
    size_t index = 0;
    for (const auto& entry : scope) {
        const auto& object = object_of(entry);
        if (!(request.copy && static_cast<const void*>(&object) == requester))
            if (std::optional<Definition> found = object.lookup(request.name, request.version))
                return { ScopeBinding::Kind::Object, index, *found, {} };
        ++index;
    }
    if (std::optional<ExportBinding> exported = find_export(request))
        return { ScopeBinding::Kind::Export, 0, {}, *exported };
    if (request.weak)
        return { ScopeBinding::Kind::WeakUnbound };
    return { is_data_request(request) ? ScopeBinding::Kind::MissingData : ScopeBinding::Kind::MissingFunction };
}

} // namespace linker
