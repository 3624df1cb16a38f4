// Stage 5 of the linker: applying an object's relocations (x86-64 psABI §4.4, Table 4.9;
// DT_RELR from the gABI 2022 draft). Every write goes through a Memory at run-time
// addresses; symbol binding goes through a SymbolResolver the caller supplies (the kernel:
// its scope of objects and the glibc export table; tests: fakes). No lazy binding: all
// relocations, PLT ones included, are applied at once.
#pragma once

#include <linker/memory.h>
#include <linker/symbols.h>

namespace linker {

struct RelocationTables {
    std::span<const elf::Rela> rela;   // DT_RELA
    std::span<const elf::Rela> jmprel; // DT_JMPREL (PLT)
    std::span<const uint64_t> relr;    // DT_RELR
};

/// The relocation tables `dynamic` names, inside `view`. Error: ENOEXEC if a table lies
/// outside the view or is misaligned.
lib::Result<RelocationTables> relocation_tables(const ImageView& view, const DynamicInfo& dynamic);

/// What a relocation needs bound: an undefined (or global) symbol of the object.
struct SymbolRequest {
    std::string_view name;
    std::string_view version;      // "" if unversioned
    std::string_view version_file; // the soname the version is needed from ("" if none)
    bool weak;
    uint8_t type;       // elf::STT_*
    bool copy;          // R_X86_64_COPY: skip the requesting object's own definition
    uint32_t index = 0; // the symbol's index in the requesting object
};

struct ResolvedSymbol {
    uint64_t address = 0;           // run-time address; 0: unresolved weak. TLS: st_value
    uint64_t size = 0;              // st_size of the definition (COPY)
    const Memory* memory = nullptr; // COPY: where the definition's bytes can be read
    uint64_t tls_module = 0;        // TLS: module id of the defining object (DTPMOD64)
    int64_t tls_offset = 0;         // TLS: thread-pointer offset of its static block (TPOFF64)
    bool tls_dynamic = false;       // TLS: its blocks are made per thread on first use (no tls_offset)
};

class SymbolResolver {
public:
    /// Binds `request`. An error ends the relocation (a missing non-weak data symbol, say);
    /// a missing function may be bound to a reporting stub instead. A definition of type
    /// STT_GNU_IFUNC must be returned already resolved (its resolver called).
    virtual lib::Result<ResolvedSymbol> resolve(const SymbolRequest& request) = 0;
    /// Calls the IFUNC resolver at run-time address `resolver` (R_X86_64_IRELATIVE, local
    /// STT_GNU_IFUNC symbols) and returns the implementation's address.
    virtual lib::Result<uint64_t> call_ifunc(uint64_t resolver) = 0;

protected:
    ~SymbolResolver() = default;
};

/// The object being relocated.
struct RelocationContext {
    uint64_t bias; // run-time address = bias + link-time address
    const SymbolTable& symbols;
    uint64_t tls_module = 0;           // its TLS module id (0: no PT_TLS)
    std::optional<int64_t> tls_offset; // thread-pointer offset of its static TLS block
    /// R_X86_64_TLSDESC: run-time address of the resolver for a variable in static TLS
    /// (it returns the descriptor's second word, the variable's thread-pointer offset).
    /// 0: TLSDESC relocations are refused.
    uint64_t tlsdesc_static = 0;
    uint64_t tls_vaddr = 0; // PT_TLS's p_vaddr (a section symbol's TLS offset is from it)
    /// R_X86_64_TLSDESC: run-time address of the resolver for a variable in dynamic TLS (a
    /// dlopen'ed object's blocks made per thread; its argument: tlsdesc_dynamic_argument).
    /// 0: such descriptors are refused.
    uint64_t tlsdesc_dynamic = 0;
};

/// The second word of a TLSDESC descriptor for a variable in dynamic TLS: the module id in
/// the top 16 bits, the variable's offset in the module's block in the low 48 (a block is
/// at most 1 GiB: linker/load_plan.h).
constexpr uint64_t tlsdesc_dynamic_argument(uint64_t module, uint64_t offset) { return module << 48 | offset; }

/// Applies one RELA relocation. Errors (ENOEXEC unless said): target outside `memory`,
/// symbol index out of range, an unknown or unsupported type (named in the message),
/// PC32 overflow, TLS relocations in an object without TLS, TLSDESC without a resolver
/// for where the variable is (static or dynamic TLS), TPOFF64 of a variable in dynamic
/// TLS (ELIBBAD); COPY of an unresolved
/// symbol or from a definition smaller than the executable's symbol (ELIBBAD);
/// whatever the resolver returns.
lib::Result<void> apply_relocation(
    const RelocationContext& object, const elf::Rela& rela, Memory& memory, SymbolResolver& resolver);

/// Applies a DT_RELR table (relative relocations packed as addresses and bitmaps).
/// Error: ENOEXEC if a target lies outside `memory` or the table starts with a bitmap.
lib::Result<void> apply_relr(uint64_t bias, std::span<const uint64_t> relr, Memory& memory);

/// DT_RELR, then DT_RELA, then DT_JMPREL. Errors: the first one met, as above.
lib::Result<void> apply_relocations(
    const RelocationContext& object, const RelocationTables& tables, Memory& memory, SymbolResolver& resolver);

} // namespace linker
