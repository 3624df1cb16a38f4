// Applying an object's relocations (x86-64 psABI §4.4). Portable: writes go through the
// object's bounds-checked view of its memory, symbol binding through a Resolver, so host
// tests relocate byte buffers with a fake resolver.
#pragma once

#include <linker/loaded_object.h>

namespace linker {

struct SymbolRequest {
    std::string_view name;
    std::string_view version;      // "" if unversioned
    std::string_view version_file; // the soname the version is needed from ("" if none)
    bool weak;
    uint8_t type; // elf::STT_*
    bool copy;    // for an R_X86_64_COPY: the requesting object's own definition is the copy
};

struct Binding {
    uint64_t address;   // 0 for an unresolved weak symbol
    uint64_t size;      // st_size of the definition (COPY relocations)
    int64_t tls_offset; // TLS symbols: thread-pointer offset of the defining module's block
};

class Resolver {
public:
    virtual ~Resolver() = default;
    /// Binds undefined symbol `symbol_index` of `object`. Errors end the load (a missing
    /// non-weak data symbol, say); a missing function may bind to a reporting stub instead.
    virtual lib::Result<Binding> resolve(const LoadedObject& object, uint32_t symbol_index, const SymbolRequest& request) = 0;
    /// Calls the IFUNC resolver at `address` and returns the implementation's address.
    virtual uint64_t call_ifunc(uint64_t address) = 0;
    /// Thread-pointer offset of `object`'s own static TLS block (negative, variant II).
    virtual lib::Result<int64_t> own_tls_offset(const LoadedObject& object) = 0;
    /// Told about each COPY relocation done (libc data copied into the program).
    virtual void copied(void* copy, const void* original, size_t size) { }
};

/// Applies DT_RELR, DT_RELA and DT_JMPREL (all bound now: no lazy binding). Errors:
/// ENOEXEC for a relocation outside the object, an unknown type or a bad symbol index;
/// whatever the resolver returns.
lib::Result<void> relocate(const LoadedObject& object, Resolver& resolver);

} // namespace linker
