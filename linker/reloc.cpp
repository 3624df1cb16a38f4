#include <linker/reloc.h>

namespace linker {

namespace {

lib::Result<void> store64(Memory& memory, uint64_t address, uint64_t value)
{
    if (memory.write_u64(address, value).is_error())
        return elf_error("ELF: relocation target outside the object");
    return {};
}

lib::Result<void> store32(Memory& memory, uint64_t address, uint32_t value)
{
    if (memory.write_u32(address, value).is_error())
        return elf_error("ELF: relocation target outside the object");
    return {};
}

/// Calls the IFUNC resolver at `function` (IRELATIVE's addend or an STT_GNU_IFUNC symbol's
/// value) if it lies in the object (ifunc_outside_object_error()).
lib::Result<uint64_t> call_own_ifunc(uint64_t function, const Memory& memory, SymbolResolver& resolver)
{
    std::byte probe[1];
    if (memory.read(function, probe).is_error())
        return ifunc_outside_object_error();
    return resolver.call_ifunc(function);
}

/// A symbol the object defines locally binds to itself, without asking the resolver.
lib::Result<ResolvedSymbol> resolve_local(
    const RelocationContext& object, const elf::Symbol& s, const Memory& memory, SymbolResolver& resolver)
{
    uint8_t type = elf::symbol_type(s);
    if (type == elf::STT_TLS) {
        if (!object.tls_module)
            return elf_error("ELF: TLS symbol in an object without PT_TLS");
        return ResolvedSymbol { s.value, s.size, nullptr, object.tls_module, object.tls_offset.value_or(0) };
    }
    uint64_t address = object.bias + s.value;
    if (type == elf::STT_GNU_IFUNC)
        address = TRY(call_own_ifunc(address, memory, resolver));
    return ResolvedSymbol { address, s.size, nullptr, 0, 0 };
}

lib::Result<ResolvedSymbol> resolve(
    const RelocationContext& object, uint32_t index, bool copy, const Memory& memory, SymbolResolver& resolver)
{
    if (index == 0)
        return elf_error("ELF: symbol relocation against symbol index 0");
    elf::Symbol s = TRY(object.symbols.symbol(index));
    uint8_t binding = elf::symbol_binding(s);
    if (binding == elf::STB_LOCAL && s.shndx != elf::SHN_UNDEF)
        return resolve_local(object, s, memory, resolver);
    SymbolVersion version = TRY(object.symbols.version(index));
    SymbolRequest request { TRY(object.symbols.name(s)), version.name, version.file, binding == elf::STB_WEAK,
        elf::symbol_type(s), copy, index };
    return resolver.resolve(request);
}

lib::Result<void> apply_copy(
    const RelocationContext& object, const elf::Rela& r, Memory& memory, SymbolResolver& resolver)
{
    elf::Symbol s = TRY(object.symbols.symbol(elf::rela_symbol(r)));
    ResolvedSymbol d = TRY(resolve(object, elf::rela_symbol(r), true, memory, resolver));
    if (!d.address || !d.memory)
        return lib::Error(lib::Errno::LIBBAD, "ELF: COPY relocation of an unresolved or unreadable symbol");
    if (d.size < s.size)
        return lib::Error(lib::Errno::LIBBAD, "ELF: COPY relocation: definition smaller than the executable's symbol");
    if (memory.copy(object.bias + r.offset, *d.memory, d.address, s.size).is_error())
        return elf_error("ELF: COPY relocation source or target out of range");
    return {};
}

/// The thread-local variable a TLS relocation names: symbol `index`'s definition or, for
/// index 0, the object's own block (the addend is the offset in it). The symbol must be a
/// thread-local one (static linkers type every such reference STT_TLS: anything else is a
/// malformed object), and its definition too (that depends on what it binds to, so it is
/// ELIBBAD, not ENOEXEC). An unresolved weak reference gives module 0, as in glibc.
lib::Result<ResolvedSymbol> tls_definition(
    const RelocationContext& object, uint32_t index, const Memory& memory, SymbolResolver& resolver)
{
    if (index) {
        elf::Symbol s = TRY(object.symbols.symbol(index));
        // gold reaches a local TLS variable through its output section's symbol: the
        // object's own block, the symbol's value a link-time address in it.
        bool own_section = elf::symbol_type(s) == elf::STT_SECTION && elf::symbol_binding(s) == elf::STB_LOCAL
            && s.shndx != elf::SHN_UNDEF;
        if (own_section && object.tls_module && s.value >= object.tls_vaddr)
            return ResolvedSymbol { s.value - object.tls_vaddr, 0, nullptr, object.tls_module,
                object.tls_offset.value_or(0), !object.tls_offset };
        if (elf::symbol_type(s) != elf::STT_TLS)
            return elf_error("ELF: TLS relocation against a symbol that is not STT_TLS");
        ResolvedSymbol d = TRY(resolve(object, index, false, memory, resolver));
        if (!d.tls_module && d.address)
            return lib::Error(
                lib::Errno::LIBBAD, "a thread-local reference binds to a definition that is not thread-local");
        return d;
    }
    if (!object.tls_module)
        return elf_error("ELF: TLS relocation in an object without PT_TLS");
    return ResolvedSymbol { 0, 0, nullptr, object.tls_module, object.tls_offset.value_or(0), !object.tls_offset };
}

/// Its offset from the thread pointer (static TLS): the block's offset plus the variable's.
uint64_t thread_pointer_offset(const ResolvedSymbol& d, const elf::Rela& r)
{
    return uint64_t(d.tls_offset) + d.address + uint64_t(r.addend);
}

lib::Result<void> apply_tls(
    const RelocationContext& object, const elf::Rela& r, Memory& memory, SymbolResolver& resolver)
{
    uint64_t place = object.bias + r.offset;
    uint32_t type = elf::rela_type(r), index = elf::rela_symbol(r);
    ResolvedSymbol d = TRY(tls_definition(object, index, memory, resolver));
    if (type == elf::R_X86_64_DTPMOD64)
        return store64(memory, place, d.tls_module);
    if (type == elf::R_X86_64_DTPOFF64)
        return store64(memory, place, d.address + uint64_t(r.addend));
    if (index == 0 && !object.tls_offset)
        return elf_error("ELF: R_X86_64_TPOFF64 in an object without static TLS");
    if (d.tls_dynamic) // glibc: "cannot allocate memory in static TLS block"
        return lib::Error(lib::Errno::LIBBAD, "an initial-exec reference to thread-local storage that is not static");
    return store64(memory, place, thread_pointer_offset(d, r));
}

/// R_X86_64_TLSDESC (the GNU2 TLS dialect; "TLS Descriptors for x86-64", Oliva): the
/// descriptor is two words, the resolver's address and its argument. A variable in static
/// TLS gets the static resolver and its thread-pointer offset; one in dynamic TLS (an
/// object dlopen could not place in static TLS) the dynamic resolver and its module and
/// offset (tlsdesc_dynamic_argument).
lib::Result<void> apply_tlsdesc(
    const RelocationContext& object, const elf::Rela& r, Memory& memory, SymbolResolver& resolver)
{
    if (!object.tlsdesc_static)
        return elf_error("ELF: R_X86_64_TLSDESC relocation is not supported here");
    uint32_t index = elf::rela_symbol(r);
    if (index == 0 && !object.tls_offset && !object.tlsdesc_dynamic)
        return elf_error("ELF: R_X86_64_TLSDESC in an object without static TLS");
    ResolvedSymbol d = TRY(tls_definition(object, index, memory, resolver));
    if (!d.tls_module) // glibc gives an unresolved weak one a resolver answering NULL; not here
        return lib::Error(lib::Errno::LIBBAD, "R_X86_64_TLSDESC of an unresolved weak thread-local variable");
    uint64_t place = object.bias + r.offset;
    if (!d.tls_dynamic) {
        TRY(store64(memory, place, object.tlsdesc_static));
        return store64(memory, place + 8, thread_pointer_offset(d, r));
    }
    if (!object.tlsdesc_dynamic)
        return lib::Error(
            lib::Errno::LIBBAD, "R_X86_64_TLSDESC of a variable in dynamic TLS, which has no resolver here");
    TRY(store64(memory, place, object.tlsdesc_dynamic));
    return store64(memory, place + 8, tlsdesc_dynamic_argument(d.tls_module, d.address + uint64_t(r.addend)));
}

lib::Result<void> apply_pc32(
    const RelocationContext& object, const elf::Rela& r, Memory& memory, SymbolResolver& resolver)
{
    uint64_t place = object.bias + r.offset;
    ResolvedSymbol d = TRY(resolve(object, elf::rela_symbol(r), false, memory, resolver));
    int64_t value = int64_t(d.address + uint64_t(r.addend) - place);
    if (value != int64_t(int32_t(value)))
        return elf_error("ELF: R_X86_64_PC32 value does not fit 32 bits");
    return store32(memory, place, uint32_t(int32_t(value)));
}

lib::Error unsupported(uint32_t type)
{
    switch (type) {
    case 10:
    case 11: return elf_error("ELF: R_X86_64_32/32S relocation (code not built position-independent)");
    case 23: return elf_error("ELF: R_X86_64_TPOFF32 relocation (initial-exec TLS in a text relocation)");
    default: return elf_error("ELF: unknown x86-64 relocation type");
    }
}

} // namespace

lib::Result<void> apply_relocation(
    const RelocationContext& object, const elf::Rela& r, Memory& memory, SymbolResolver& resolver)
{
    uint64_t place = object.bias + r.offset;
    switch (uint32_t type = elf::rela_type(r)) {
    case elf::R_X86_64_NONE: return {};
    case elf::R_X86_64_RELATIVE: return store64(memory, place, object.bias + uint64_t(r.addend));
    case elf::R_X86_64_IRELATIVE:
        return store64(memory, place, TRY(call_own_ifunc(object.bias + uint64_t(r.addend), memory, resolver)));
    case elf::R_X86_64_64: {
        ResolvedSymbol d = TRY(resolve(object, elf::rela_symbol(r), false, memory, resolver));
        return store64(memory, place, d.address + uint64_t(r.addend));
    }
    case elf::R_X86_64_GLOB_DAT:
    case elf::R_X86_64_JUMP_SLOT:
        return store64(memory, place, TRY(resolve(object, elf::rela_symbol(r), false, memory, resolver)).address);
    case elf::R_X86_64_PC32: return apply_pc32(object, r, memory, resolver);
    case elf::R_X86_64_COPY: return apply_copy(object, r, memory, resolver);
    case elf::R_X86_64_TPOFF64:
    case elf::R_X86_64_DTPMOD64:
    case elf::R_X86_64_DTPOFF64: return apply_tls(object, r, memory, resolver);
    case elf::R_X86_64_TLSDESC: return apply_tlsdesc(object, r, memory, resolver);
    default: return unsupported(type);
    }
}

lib::Result<void> apply_relr(uint64_t bias, std::span<const uint64_t> relr, Memory& memory)
{
    uint64_t where = 0;
    bool have_address = false;
    auto relocate_at = [&](uint64_t address) -> lib::Result<void> {
        auto value = memory.read_u64(address);
        if (value.is_error())
            return elf_error("ELF: DT_RELR target outside the object");
        return store64(memory, address, value.value() + bias);
    };
    for (uint64_t entry : relr) {
        if (!(entry & 1)) { // an address: relocate it, bitmaps continue after it
            where = bias + entry;
            TRY(relocate_at(where));
            where += 8, have_address = true;
            continue;
        }
        if (!have_address)
            return elf_error("ELF: DT_RELR table starts with a bitmap");
        for (uint64_t bits = entry >> 1, i = 0; bits; bits >>= 1, ++i)
            if (bits & 1)
                TRY(relocate_at(where + i * 8));
        where += 63 * 8;
    }
    return {};
}

lib::Result<RelocationTables> relocation_tables(const ImageView& view, const DynamicInfo& d)
{
    auto rela = view.array<elf::Rela>(d.rela, d.relasz / sizeof(elf::Rela));
    auto jmprel = view.array<elf::Rela>(d.jmprel, d.pltrelsz / sizeof(elf::Rela));
    auto relr = view.array<uint64_t>(d.relr, d.relrsz / 8);
    if ((d.relasz && !rela) || (d.pltrelsz && !jmprel) || (d.relrsz && !relr))
        return elf_error("ELF: relocation table outside the object or misaligned");
    RelocationTables tables;
    if (d.relasz)
        tables.rela = *rela;
    if (d.pltrelsz)
        tables.jmprel = *jmprel;
    if (d.relrsz)
        tables.relr = *relr;
    return tables;
}

lib::Result<void> apply_relocations(
    const RelocationContext& object, const RelocationTables& tables, Memory& memory, SymbolResolver& resolver)
{
    TRY(apply_relr(object.bias, tables.relr, memory));
    for (const elf::Rela& r : tables.rela)
        TRY(apply_relocation(object, r, memory, resolver));
    for (const elf::Rela& r : tables.jmprel)
        TRY(apply_relocation(object, r, memory, resolver));
    return {};
}

} // namespace linker
