// FIRST-CUT API kept for linker/kernel/ until it moves to reloc.h: relocating a
// LoadedObject with the first-cut Resolver. A thin wrapper over apply_relocations().
#pragma once

#include <linker/loaded_object.h>
#include <linker/reloc.h>

namespace linker {

struct Binding {
    uint64_t address;         // 0 for an unresolved weak symbol; for COPY, a host pointer
    uint64_t size;            // st_size of the definition (COPY relocations)
    int64_t tls_offset;       // TLS symbols: thread-pointer offset of the defining module's block
    uint64_t tls_module = 0;  // TLS symbols: the defining module's TLS module id
    bool tls_dynamic = false; // TLS symbols: the defining module's blocks are dynamic (no tls_offset)
};

/// Where an object's own TLS block is: its module id (>= 1) and thread-pointer offset, or
/// (dynamic) no static block: each thread's is made on first use.
struct TlsPlacement {
    uint64_t module;
    int64_t offset;
    bool dynamic = false;
};

class Resolver {
public:
    virtual ~Resolver() = default;
    /// Binds undefined symbol `symbol_index` of `object`.
    virtual lib::Result<Binding> resolve(
        const LoadedObject& object, uint32_t symbol_index, const SymbolRequest& request)
        = 0;
    /// Calls the IFUNC resolver at `address` and returns the implementation's address.
    virtual uint64_t call_ifunc(uint64_t address) = 0;
    /// Module id and thread-pointer offset (negative, variant II) of `object`'s own
    /// static TLS block. Called only for objects with PT_TLS.
    virtual lib::Result<TlsPlacement> own_tls(const LoadedObject& object) = 0;
    /// Run-time address of the TLSDESC resolver for static TLS (0: TLSDESC refused).
    virtual uint64_t tlsdesc_static_resolver() { return 0; }
    /// Run-time address of the TLSDESC resolver for dynamic TLS (0: refused there).
    virtual uint64_t tlsdesc_dynamic_resolver() { return 0; }
    /// Told about each COPY relocation done (libc data copied into the program).
    virtual void copied(void* copy, const void* original, size_t size) { }
};

/// Applies DT_RELR, DT_RELA and DT_JMPREL of `object` in place (its own memory).
/// Errors: as apply_relocations().
lib::Result<void> relocate(const LoadedObject& object, Resolver& resolver);

} // namespace linker
