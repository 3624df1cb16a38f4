// Kernel side of the linker, stage 2: binding symbols, by the rule of
// linker/scope_binding.h (glibc's global scope: the executable, then the libraries breadth
// first, then the kernel's glibc export table). An import nobody provides: a weak one binds
// to 0, a function to a stub that reports "missing symbol NAME@VERSION needed by LIBRARY"
// when called, data is an error.
#pragma once

#include "module_loader.h"
#include <linker/relocate.h>
#include <linker/scope_binding.h>

#include <span>

namespace linker {

class SymbolBinder final : public Resolver {
public:
    /// Binds in `scope` (searched in order), then the kernel's exports.
    explicit SymbolBinder(std::span<Module* const> scope) : m_scope(scope) { }

    lib::Result<Binding> resolve(const LoadedObject& object, uint32_t index, const SymbolRequest& request) override;
    uint64_t call_ifunc(uint64_t address) override;
    lib::Result<TlsPlacement> own_tls(const LoadedObject& object) override;
    uint64_t tlsdesc_static_resolver() override;
    uint64_t tlsdesc_dynamic_resolver() override;
    void copied(void* copy, const void* original, size_t size) override;

private:
    /// The module of `object` in the scope (its bindings are recorded there); null if none.
    Module* module_of(const LoadedObject& object) const;
    lib::Result<uint64_t> missing_function_stub(const LoadedObject& object, const SymbolRequest& request);

    std::span<Module* const> m_scope;
};

} // namespace linker
