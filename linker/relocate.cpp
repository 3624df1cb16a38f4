#include <linker/relocate.h>

#include <cstring>

namespace linker {

namespace {

lib::Error bad(const char* why) { return lib::Error(lib::Errno::NOEXEC, why); }

lib::Result<void> write64(const LoadedObject& object, uint64_t address, uint64_t value)
{
    std::byte* p = object.at(address, 8);
    if (!p)
        return bad("ELF: relocation target outside the object");
    memcpy(p, &value, 8);
    return {};
}

lib::Result<Binding> bind(const LoadedObject& object, uint32_t index, Resolver& resolver, bool copy = false)
{
    const elf::Symbol* s = object.symbol(index);
    if (!s)
        return bad("ELF: relocation symbol index out of range");
    if (s->shndx != elf::SHN_UNDEF && elf::symbol_binding(*s) == elf::STB_LOCAL) {
        // A local definition (rare in dynamic relocations): bind to itself.
        int64_t tls = elf::symbol_type(*s) == elf::STT_TLS ? TRY(resolver.own_tls_offset(object)) : 0;
        return Binding { object.bias() + s->value, s->size, tls };
    }
    auto version = object.symbol_version(index);
    SymbolRequest request { object.string(s->name), version.name, version.file,
        elf::symbol_binding(*s) == elf::STB_WEAK, elf::symbol_type(*s), copy };
    return resolver.resolve(object, index, request);
}

lib::Result<void> apply(const LoadedObject& object, const elf::Rela& r, Resolver& resolver)
{
    uint64_t place = object.bias() + r.offset;
    uint32_t type = elf::rela_type(r), index = elf::rela_symbol(r);
    switch (type) {
    case elf::R_X86_64_NONE:
        return {};
    case elf::R_X86_64_RELATIVE:
        return write64(object, place, object.bias() + r.addend);
    case elf::R_X86_64_IRELATIVE:
        return write64(object, place, resolver.call_ifunc(object.bias() + r.addend));
    case elf::R_X86_64_64:
    case elf::R_X86_64_GLOB_DAT:
    case elf::R_X86_64_JUMP_SLOT: {
        Binding b = TRY(bind(object, index, resolver));
        uint64_t addend = type == elf::R_X86_64_64 ? uint64_t(r.addend) : 0;
        return write64(object, place, b.address ? b.address + addend : 0);
    }
    case elf::R_X86_64_PC32: {
        Binding b = TRY(bind(object, index, resolver));
        int64_t value = int64_t(b.address + r.addend - place);
        std::byte* p = object.at(place, 4);
        if (!p || value != int32_t(value))
            return bad("ELF: R_X86_64_PC32 out of range");
        int32_t v32 = int32_t(value);
        memcpy(p, &v32, 4);
        return {};
    }
    case elf::R_X86_64_COPY: {
        Binding b = TRY(bind(object, index, resolver, true));
        const elf::Symbol* s = object.symbol(index);
        std::byte* p = object.at(place, s->size);
        if (!p)
            return bad("ELF: COPY relocation target outside the object");
        if (!b.address || b.size < s->size)
            return lib::Error(lib::Errno::LIBBAD, "COPY relocation of a symbol smaller than the program's copy");
        memcpy(p, reinterpret_cast<const void*>(b.address), s->size);
        resolver.copied(p, reinterpret_cast<const void*>(b.address), s->size);
        return {};
    }
    case elf::R_X86_64_TPOFF64: {
        if (index == 0)
            return write64(object, place, uint64_t(TRY(resolver.own_tls_offset(object)) + r.addend));
        Binding b = TRY(bind(object, index, resolver));
        const elf::Symbol* s = object.symbol(index);
        uint64_t symbol_offset = b.address ? b.address : s->value;
        return write64(object, place, uint64_t(b.tls_offset + int64_t(symbol_offset) + r.addend));
    }
    case elf::R_X86_64_DTPMOD64:
    case elf::R_X86_64_DTPOFF64:
        return bad("ELF: dynamic TLS relocations (DTPMOD64/DTPOFF64) are not supported yet");
    default:
        return bad("ELF: unsupported relocation type");
    }
}

lib::Result<void> apply_table(const LoadedObject& object, uint64_t table, uint64_t size, Resolver& resolver)
{
    if (!size)
        return {};
    auto* entries = reinterpret_cast<const elf::Rela*>(object.at(object.bias() + table, size));
    if (!entries || size % sizeof(elf::Rela) || (object.bias() + table) % 8)
        return bad("ELF: relocation table outside the object or misaligned");
    for (uint64_t i = 0; i < size / sizeof(elf::Rela); ++i)
        TRY(apply(object, entries[i], resolver));
    return {};
}

lib::Result<void> add_bias(const LoadedObject& object, uint64_t address)
{
    std::byte* p = object.at(address, 8);
    if (!p)
        return bad("ELF: DT_RELR target outside the object");
    uint64_t value;
    memcpy(&value, p, 8);
    value += object.bias();
    memcpy(p, &value, 8);
    return {};
}

// DT_RELR: packed relative relocations (an address, then bitmaps of following words).
lib::Result<void> apply_relr(const LoadedObject& object)
{
    const auto& d = object.dynamic();
    if (!d.relrsz)
        return {};
    auto* entries = reinterpret_cast<const uint64_t*>(object.at(object.bias() + d.relr, d.relrsz));
    if (!entries || (object.bias() + d.relr) % 8)
        return bad("ELF: DT_RELR table outside the object or misaligned");
    uint64_t where = 0;
    for (uint64_t i = 0; i < d.relrsz / 8; ++i) {
        uint64_t e = entries[i];
        if (!(e & 1)) {
            where = object.bias() + e;
            TRY(add_bias(object, where));
            where += 8;
            continue;
        }
        for (int bit = 1; bit < 64; ++bit) {
            if (!((e >> bit) & 1))
                continue;
            TRY(add_bias(object, where + uint64_t(bit - 1) * 8));
        }
        where += 63 * 8;
    }
    return {};
}

} // namespace

lib::Result<void> relocate(const LoadedObject& object, Resolver& resolver)
{
    const auto& d = object.dynamic();
    TRY(apply_relr(object));
    TRY(apply_table(object, d.rela, d.relasz, resolver));
    TRY(apply_table(object, d.jmprel, d.pltrelsz, resolver));
    return {};
}

} // namespace linker
