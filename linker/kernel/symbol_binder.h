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

/// Binds the imports of one module (`requester`) in `scope` (searched in order), then the
/// kernel's exports.
class SymbolBinder final : public SymbolResolver {
public:
    SymbolBinder(std::span<Module* const> scope, Module& requester) : m_scope(scope), m_requester(requester) { }

    lib::Result<ResolvedSymbol> resolve(const SymbolRequest& request) override;
    lib::Result<uint64_t> call_ifunc(uint64_t resolver) override;

private:
    lib::Result<uint64_t> missing_function_stub(const SymbolRequest& request);
    /// A COPY relocation of the requester's symbol from `original`: libc-shim keeps the
    /// program's copies of the kernel's data in step (glibc_data.h).
    void note_copy(const SymbolRequest& request, uint64_t original, uint64_t size);

    std::span<Module* const> m_scope;
    Module& m_requester;
};

/// Where `module`'s own TLS is and the kernel's TLSDESC resolvers, for relocate().
ObjectTls tls_of(const Module& module);

} // namespace linker
