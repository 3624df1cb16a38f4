// Stage 5 of the linker for a whole loaded object: its DT_RELR, DT_RELA and DT_JMPREL
// applied in its own memory, each symbol bound through the one resolver interface,
// SymbolResolver (reloc.h). The kernel's binder, the CLI's load check and `inspect --abi`
// all relocate this way.
#pragma once

#include <linker/loaded_object.h>
#include <linker/reloc.h>

#include <optional>

namespace linker {

/// Where a loaded object's own TLS block is, and how its TLS descriptors resolve (the
/// TLS fields of RelocationContext). Read only for an object with PT_TLS.
struct ObjectTls {
    uint64_t module = 0;           // its TLS module id (>= 1)
    std::optional<int64_t> offset; // thread-pointer offset of its static block; empty: dynamic TLS
    uint64_t tlsdesc_static = 0;   // the TLSDESC resolvers' run-time addresses (0: refused)
    uint64_t tlsdesc_dynamic = 0;
};

/// Applies DT_RELR, DT_RELA and DT_JMPREL of `object` in place (its own memory), binding
/// through `resolver`. A COPY definition the resolver returns without `memory` is read at
/// its `address` in this process (the kernel's own data, a host buffer). Errors: as
/// apply_relocations().
lib::Result<void> relocate(const LoadedObject& object, const ObjectTls& tls, SymbolResolver& resolver);

} // namespace linker
