// Relocation on byte buffers: each x86-64 type the linker supports against a synthetic
// object with a fake resolver, DT_RELR decoding, errors; then a real shared library
// (plain and DT_RELR-packed) whose function-pointer table must point at its functions.
#include "linker_test_util.h"

#include <linker/reloc.h>

#include <gtest/gtest.h>

#include <map>

namespace {

using namespace linker;
using linker_test::ObjectBuilder;

constexpr uint64_t kBase = 0x7f0000000000;

/// Binds "puts" to 0x5000, "stdout" to a 16-byte definition in its own memory, a TLS
/// symbol to module 2 at offset -0x80, and records every request.
class FakeResolver final : public SymbolResolver {
public:
    std::vector<std::byte> libc_data = std::vector<std::byte>(16, std::byte(0x5a));
    BufferMemory libc_memory { libc_data, 0x600000 };
    std::vector<SymbolRequest> requests;
    uint64_t stdout_size = 16;

    lib::Result<ResolvedSymbol> resolve(const SymbolRequest& r) override
    {
        requests.push_back(r);
        if (r.name == "puts")
            return ResolvedSymbol { 0x5000, 0, nullptr, 0, 0 };
        if (r.name == "stdout")
            return ResolvedSymbol { 0x600000, stdout_size, &libc_memory, 0, 0 };
        if (r.name == "tls_var")
            return ResolvedSymbol { 0x10, 4, nullptr, 2, -0x80 };
        if (r.name == "dynamic_tls_var") // in a dlopen'ed object's dynamic TLS: no static offset
            return ResolvedSymbol { 0x30, 4, nullptr, 3, 0, true };
        if (r.name == "tls_bound_to_code") // a thread-local reference some object defines as code
            return ResolvedSymbol { 0x5000, 0, nullptr, 0, 0 };
        if (r.weak)
            return ResolvedSymbol {};
        return lib::Error(lib::Errno::LIBBAD, "fake: missing symbol");
    }
    lib::Result<uint64_t> call_ifunc(uint64_t resolver) override { return resolver + 0x1000000; }
};

struct LinkerRelocation : ::testing::Test {
    ObjectBuilder b;
    uint32_t puts, out, tls, weak, local_tls, missing, local_fn, local_ifunc, wild_ifunc, tls_to_code, tls_section,
        dynamic;
    std::optional<SymbolTable> table;
    FakeResolver resolver;

    void SetUp() override
    {
        puts = b.add_symbol("puts", elf::STB_GLOBAL, elf::STT_FUNC, 0, 0, 0);
        out = b.add_symbol("stdout", elf::STB_GLOBAL, elf::STT_OBJECT, 9, 0x2100, 8);
        tls = b.add_symbol("tls_var", elf::STB_GLOBAL, elf::STT_TLS, 0, 0, 0);
        weak = b.add_symbol("weak_fn", elf::STB_WEAK, elf::STT_FUNC, 0, 0, 0);
        local_tls = b.add_symbol("my_tls", elf::STB_LOCAL, elf::STT_TLS, 9, 0x8, 8);
        missing = b.add_symbol("missing", elf::STB_GLOBAL, elf::STT_FUNC, 0, 0, 0);
        local_fn = b.add_symbol("local_fn", elf::STB_LOCAL, elf::STT_FUNC, 9, 0x1000, 8);
        local_ifunc = b.add_symbol("local_ifunc", elf::STB_LOCAL, elf::STT_GNU_IFUNC, 9, 0x1500, 0);
        wild_ifunc = b.add_symbol("wild_ifunc", elf::STB_LOCAL, elf::STT_GNU_IFUNC, 9, 0x7fff00000000, 0);
        tls_to_code = b.add_symbol("tls_bound_to_code", elf::STB_GLOBAL, elf::STT_TLS, 0, 0, 0);
        tls_section = b.add_symbol("", elf::STB_LOCAL, elf::STT_SECTION, 9, 0x2110, 0); // .tbss, PT_TLS at 0x2100
        dynamic = b.add_symbol("dynamic_tls_var", elf::STB_GLOBAL, elf::STT_TLS, 0, 0, 0);
        b.finish();
        table = b.table().value();
    }
    RelocationContext context() { return { kBase, *table, 1, -0x40, 0, 0x2100 }; }
    lib::Result<void> apply(uint32_t type, uint32_t symbol, int64_t addend, uint64_t offset = 0x2000)
    {
        BufferMemory memory(b.memory, kBase);
        return apply_relocation(context(), { offset, elf::rela_info(symbol, type), addend }, memory, resolver);
    }
    uint64_t word(uint64_t offset)
    {
        uint64_t v;
        memcpy(&v, b.memory.data() + offset, 8);
        return v;
    }
    uint32_t word32(uint64_t offset)
    {
        uint32_t v;
        memcpy(&v, b.memory.data() + offset, 4);
        return v;
    }
};

TEST_F(LinkerRelocation, IrelativeResolverOutsideTheObjectIsRefused)
{
    for (int64_t addend : { int64_t(-0x1000), int64_t(b.memory.size()), int64_t(0x7fff00000000) }) {
        auto applied = apply(elf::R_X86_64_IRELATIVE, 0, addend);
        ASSERT_TRUE(applied.is_error()) << addend;
        EXPECT_EQ(applied.error().code, lib::Errno::NOEXEC);
        EXPECT_STREQ(applied.error().message, "ELF: IFUNC resolver outside the object");
    }
}

TEST_F(LinkerRelocation, LocalIfuncSymbolCallsItsResolverOnlyInsideTheObject)
{
    ASSERT_FALSE(apply(elf::R_X86_64_64, local_ifunc, 8).is_error());
    EXPECT_EQ(word(0x2000), kBase + 0x1500 + 0x1000000 + 8); // the resolver's answer
    for (uint32_t type : { elf::R_X86_64_64, elf::R_X86_64_GLOB_DAT, elf::R_X86_64_JUMP_SLOT }) {
        auto applied = apply(type, wild_ifunc, 0);
        ASSERT_TRUE(applied.is_error()) << type;
        EXPECT_EQ(applied.error().code, lib::Errno::NOEXEC);
        EXPECT_STREQ(applied.error().message, "ELF: IFUNC resolver outside the object");
    }
}

TEST_F(LinkerRelocation, AppliesEachType)
{
    b.put(ObjectBuilder::kData, uint64_t(0x1234));
    ASSERT_FALSE(apply(elf::R_X86_64_NONE, 0, 0).is_error());
    EXPECT_EQ(word(0x2000), 0x1234u);
    ASSERT_FALSE(apply(elf::R_X86_64_RELATIVE, 0, 0x40).is_error());
    EXPECT_EQ(word(0x2000), kBase + 0x40);
    ASSERT_FALSE(apply(elf::R_X86_64_64, puts, 8).is_error());
    EXPECT_EQ(word(0x2000), 0x5008u);
    ASSERT_FALSE(apply(elf::R_X86_64_GLOB_DAT, puts, 8).is_error()); // no addend
    EXPECT_EQ(word(0x2000), 0x5000u);
    ASSERT_FALSE(apply(elf::R_X86_64_JUMP_SLOT, puts, 0).is_error());
    EXPECT_EQ(word(0x2000), 0x5000u);
    ASSERT_FALSE(apply(elf::R_X86_64_JUMP_SLOT, weak, 0).is_error()); // unresolved weak: 0
    EXPECT_EQ(word(0x2000), 0u);
    ASSERT_FALSE(apply(elf::R_X86_64_IRELATIVE, 0, 0x1500).is_error());
    EXPECT_EQ(word(0x2000), kBase + 0x1500 + 0x1000000);
    ASSERT_FALSE(apply(elf::R_X86_64_TPOFF64, tls, 4).is_error()); // module 2 block at -0x80, +0x10 +4
    EXPECT_EQ(int64_t(word(0x2000)), -0x80 + 0x10 + 4);
    ASSERT_FALSE(apply(elf::R_X86_64_TPOFF64, 0, 0x18).is_error()); // own block at -0x40
    EXPECT_EQ(int64_t(word(0x2000)), -0x40 + 0x18);
    ASSERT_FALSE(apply(elf::R_X86_64_TPOFF64, local_tls, 0).is_error());
    EXPECT_EQ(int64_t(word(0x2000)), -0x40 + 0x8);
    ASSERT_FALSE(apply(elf::R_X86_64_DTPMOD64, tls, 0).is_error());
    EXPECT_EQ(word(0x2000), 2u);
    ASSERT_FALSE(apply(elf::R_X86_64_DTPMOD64, 0, 0).is_error());
    EXPECT_EQ(word(0x2000), 1u);
    ASSERT_FALSE(apply(elf::R_X86_64_DTPOFF64, tls, 3).is_error());
    EXPECT_EQ(word(0x2000), 0x13u);
}

TEST_F(LinkerRelocation, TlsDescriptorsPointAtTheStaticResolver)
{
    RelocationContext with_resolver = context();
    with_resolver.tlsdesc_static = 0xabc000;
    BufferMemory memory(b.memory, kBase);
    auto apply_desc = [&](uint32_t symbol, int64_t addend) {
        return apply_relocation(
            with_resolver, { 0x2000, elf::rela_info(symbol, elf::R_X86_64_TLSDESC), addend }, memory, resolver);
    };
    ASSERT_FALSE(apply_desc(tls, 4).is_error()); // module 2's block at -0x80, symbol at +0x10
    EXPECT_EQ(word(0x2000), 0xabc000u);
    EXPECT_EQ(int64_t(word(0x2008)), -0x80 + 0x10 + 4);
    ASSERT_FALSE(apply_desc(0, 0x18).is_error()); // the object's own block at -0x40
    EXPECT_EQ(int64_t(word(0x2008)), -0x40 + 0x18);
    ASSERT_FALSE(apply_desc(local_tls, 0).is_error());
    EXPECT_EQ(int64_t(word(0x2008)), -0x40 + 0x8);
    EXPECT_STREQ(apply_desc(puts, 0).error().message, "ELF: TLS relocation against a symbol that is not STT_TLS");
    EXPECT_EQ(apply_desc(tls_to_code, 0).error().code, lib::Errno::LIBBAD);
    RelocationContext no_tls { kBase, *table, 0, std::nullopt, 0xabc000 };
    EXPECT_STREQ(apply_relocation(no_tls, { 0x2000, elf::rela_info(0, elf::R_X86_64_TLSDESC), 0 }, memory, resolver)
                     .error()
                     .message,
        "ELF: R_X86_64_TLSDESC in an object without static TLS");
    EXPECT_STREQ(apply_relocation(no_tls, { ObjectBuilder::kSize - 8, elf::rela_info(tls, elf::R_X86_64_TLSDESC), 0 },
                     memory, resolver)
                     .error()
                     .message,
        "ELF: relocation target outside the object"); // the second word lies past the end
}

TEST_F(LinkerRelocation, DynamicTlsHasDescriptorsButNoStaticOffset)
{
    // The object itself in dynamic TLS (module 5, no static block).
    RelocationContext object { kBase, *table, 5, std::nullopt, 0xabc000 };
    object.tlsdesc_dynamic = 0xdef000;
    BufferMemory memory(b.memory, kBase);
    auto apply_in = [&](uint32_t type, uint32_t symbol, int64_t addend) {
        return apply_relocation(object, { 0x2000, elf::rela_info(symbol, type), addend }, memory, resolver);
    };
    ASSERT_FALSE(apply_in(elf::R_X86_64_TLSDESC, dynamic, 4).is_error());
    EXPECT_EQ(word(0x2000), 0xdef000u);
    EXPECT_EQ(word(0x2008), tlsdesc_dynamic_argument(3, 0x30 + 4));
    EXPECT_EQ(word(0x2008) >> 48, 3u);
    ASSERT_FALSE(apply_in(elf::R_X86_64_TLSDESC, 0, 0x18).is_error()); // its own block
    EXPECT_EQ(word(0x2000), 0xdef000u);
    EXPECT_EQ(word(0x2008), tlsdesc_dynamic_argument(5, 0x18));
    ASSERT_FALSE(apply_in(elf::R_X86_64_TLSDESC, tls, 0).is_error()); // a variable in static TLS
    EXPECT_EQ(word(0x2000), 0xabc000u);
    EXPECT_EQ(int64_t(word(0x2008)), -0x80 + 0x10);
    ASSERT_FALSE(apply_in(elf::R_X86_64_DTPMOD64, dynamic, 0).is_error()); // general dynamic works as ever
    EXPECT_EQ(word(0x2000), 3u);
    ASSERT_FALSE(apply_in(elf::R_X86_64_DTPOFF64, dynamic, 8).is_error());
    EXPECT_EQ(word(0x2000), 0x38u);
    // Initial exec needs a static offset: none here.
    auto tpoff = apply_in(elf::R_X86_64_TPOFF64, dynamic, 0);
    ASSERT_TRUE(tpoff.is_error());
    EXPECT_EQ(tpoff.error().code, lib::Errno::LIBBAD);
    EXPECT_STREQ(
        apply_in(elf::R_X86_64_TPOFF64, 0, 0).error().message, "ELF: R_X86_64_TPOFF64 in an object without static TLS");
    object.tlsdesc_dynamic = 0; // no dynamic resolver: refused, not given a static one
    EXPECT_EQ(apply_in(elf::R_X86_64_TLSDESC, dynamic, 0).error().code, lib::Errno::LIBBAD);
}

TEST_F(LinkerRelocation, Pc32)
{
    b.put(0x2008, uint64_t(0xffffffffffffffff));
    ASSERT_FALSE(apply(elf::R_X86_64_PC32, local_fn, -4, 0x2008).is_error()); // S + A - P
    EXPECT_EQ(int32_t(word32(0x2008)), 0x1000 - 4 - 0x2008);
    EXPECT_EQ(word32(0x200c), 0xffffffffu); // only 4 bytes written
    EXPECT_STREQ(
        apply(elf::R_X86_64_PC32, puts, -4, 0x2008).error().message, "ELF: R_X86_64_PC32 value does not fit 32 bits");
}

TEST_F(LinkerRelocation, Copy)
{
    ASSERT_FALSE(apply(elf::R_X86_64_COPY, out, 0, 0x2100).is_error());
    EXPECT_EQ(word(0x2100), 0x5a5a5a5a5a5a5a5au);
    EXPECT_EQ(word(0x2108), 0u); // exactly st_size (8) bytes copied
    ASSERT_FALSE(resolver.requests.empty());
    EXPECT_TRUE(resolver.requests.back().copy);
    EXPECT_EQ(resolver.requests.back().index, out);
    resolver.stdout_size = 4;
    auto smaller = apply(elf::R_X86_64_COPY, out, 0, 0x2100);
    ASSERT_TRUE(smaller.is_error());
    EXPECT_EQ(smaller.error().code, lib::Errno::LIBBAD);
    EXPECT_STREQ(smaller.error().message, "ELF: COPY relocation: definition smaller than the executable's symbol");
}

TEST_F(LinkerRelocation, Errors)
{
    EXPECT_STREQ(apply(0x99, 0, 0).error().message, "ELF: unknown x86-64 relocation type");
    EXPECT_STREQ(
        apply(elf::R_X86_64_TLSDESC, tls, 0).error().message, "ELF: R_X86_64_TLSDESC relocation is not supported here");
    EXPECT_STREQ(
        apply(10, puts, 0).error().message, "ELF: R_X86_64_32/32S relocation (code not built position-independent)");
    EXPECT_STREQ(apply(elf::R_X86_64_64, 1000, 0).error().message, "ELF: symbol index out of range");
    EXPECT_STREQ(apply(elf::R_X86_64_GLOB_DAT, 0, 0).error().message, "ELF: symbol relocation against symbol index 0");
    EXPECT_STREQ(apply(elf::R_X86_64_RELATIVE, 0, 0, ObjectBuilder::kSize - 4).error().message,
        "ELF: relocation target outside the object");
    EXPECT_STREQ(apply(elf::R_X86_64_RELATIVE, 0, 0, ~0ull - 0x100).error().message,
        "ELF: relocation target outside the object");
    EXPECT_STREQ(apply(elf::R_X86_64_64, missing, 0).error().message, "fake: missing symbol");
    RelocationContext no_tls { kBase, *table, 0, std::nullopt };
    BufferMemory memory(b.memory, kBase);
    EXPECT_STREQ(apply_relocation(no_tls, { 0x2000, elf::rela_info(0, elf::R_X86_64_TPOFF64), 0 }, memory, resolver)
                     .error()
                     .message,
        "ELF: TLS relocation in an object without PT_TLS");
}

TEST(LinkerReloc, RelrAddressesAndBitmaps)
{
    std::vector<std::byte> bytes(0x1000);
    for (uint64_t i = 0; i < 0x1000 / 8; ++i)
        memcpy(bytes.data() + i * 8, &i, 8); // word i holds i
    BufferMemory memory(bytes, kBase);
    // 0x100: relocate word 0x20; bitmap 0b101 << 1: words 0x21+0 and 0x21+2; next bitmap
    // covers words from 0x21+63 on: bit for 0x21+63+1.
    uint64_t relr[] = { 0x100, (0b101ull << 1) | 1, (0b10ull << 1) | 1 };
    ASSERT_FALSE(apply_relr(kBase, relr, memory).is_error());
    auto word = [&](uint64_t i) {
        uint64_t v;
        memcpy(&v, bytes.data() + i * 8, 8);
        return v;
    };
    EXPECT_EQ(word(0x20), kBase + 0x20);
    EXPECT_EQ(word(0x21), kBase + 0x21);
    EXPECT_EQ(word(0x22), 0x22u);
    EXPECT_EQ(word(0x23), kBase + 0x23);
    EXPECT_EQ(word(0x21 + 63), 0x21u + 63);
    EXPECT_EQ(word(0x21 + 64), kBase + 0x21 + 64);
    uint64_t starts_with_bitmap[] = { 3 };
    EXPECT_STREQ(
        apply_relr(kBase, starts_with_bitmap, memory).error().message, "ELF: DT_RELR table starts with a bitmap");
    uint64_t outside[] = { 0x2000 };
    EXPECT_STREQ(apply_relr(kBase, outside, memory).error().message, "ELF: DT_RELR target outside the object");
}

/// Binds the library's own exports (plain_function) within itself, everything else weakly.
class SelfResolver final : public SymbolResolver {
public:
    explicit SelfResolver(const linker_test::LoadedImage& image) : m_image(image) { }
    lib::Result<ResolvedSymbol> resolve(const SymbolRequest& r) override
    {
        if (auto d = m_image.symbols.lookup(r.name, r.version))
            return ResolvedSymbol { m_image.bias() + d->symbol.value, d->symbol.size, nullptr, 0, 0 };
        if (r.weak)
            return ResolvedSymbol {};
        return lib::Error(lib::Errno::LIBBAD, "self: missing symbol");
    }
    lib::Result<uint64_t> call_ifunc(uint64_t resolver) override { return resolver; }

private:
    const linker_test::LoadedImage& m_image;
};

TEST(LinkerReloc, RealLibraryPlainAndRelrPacked)
{
    for (const char* path : { OSPREY_LINKER_TEST_LIBRARY, OSPREY_LINKER_TEST_LIBRARY_RELR }) {
        auto image = linker_test::LoadedImage::load(linker_test::read_file(path), 0x7f1234560000);
        ASSERT_FALSE(image.is_error()) << image.error().message;
        bool packed = std::string(path).find("relr") != std::string::npos;
        EXPECT_EQ(image->dynamic.relrsz != 0, packed) << path;
        auto tables = relocation_tables(image->view(), image->dynamic);
        ASSERT_FALSE(tables.is_error()) << tables.error().message;
        SelfResolver resolver(image.value());
        BufferMemory memory = image->buffer();
        RelocationContext context { image->bias(), image->symbols, 0, std::nullopt };
        auto applied = apply_relocations(context, tables.value(), memory, resolver);
        ASSERT_FALSE(applied.is_error()) << applied.error().message;
        auto table = image->symbols.lookup("function_table");
        ASSERT_TRUE(table);
        auto entry = [&](int i) { return memory.read_u64(image->bias() + table->symbol.value + i * 8).value(); };
        uint64_t bias = image->bias();
        EXPECT_EQ(entry(0), bias + image->symbols.lookup("answer", "LIBTEST_1.0")->symbol.value);
        EXPECT_EQ(entry(1), bias + image->symbols.lookup("answer", "LIBTEST_2.0")->symbol.value);
        EXPECT_GT(entry(2), bias); // the static function: a RELATIVE (or RELR) entry into the text
        EXPECT_LT(entry(2), bias + image->plan.span_end);
        EXPECT_EQ(entry(3), bias + image->symbols.lookup("plain_function")->symbol.value);
    }
}

// A TLS relocation names a thread-local symbol (else the object is malformed: ENOEXEC), and
// it must bind to a thread-local definition (else the link fails: ELIBBAD, as it depends
// on the other objects).
// gold reaches a local TLS variable through its output section's symbol (STT_SECTION,
// local): the object's own block, at the section's offset in PT_TLS.
TEST_F(LinkerRelocation, TlsRelocationsAgainstTheObjectsOwnTlsSectionSymbol)
{
    ASSERT_FALSE(apply(elf::R_X86_64_DTPMOD64, tls_section, 0).is_error());
    EXPECT_EQ(word(0x2000), 1u);
    ASSERT_FALSE(apply(elf::R_X86_64_DTPOFF64, tls_section, 4).is_error());
    EXPECT_EQ(word(0x2000), 0x14u);
    ASSERT_FALSE(apply(elf::R_X86_64_TPOFF64, tls_section, 4).is_error());
    EXPECT_EQ(int64_t(word(0x2000)), -0x40 + 0x14);
}

TEST_F(LinkerRelocation, TlsRelocationsNeedThreadLocalSymbols)
{
    for (uint32_t type : { elf::R_X86_64_DTPMOD64, elf::R_X86_64_DTPOFF64, elf::R_X86_64_TPOFF64 }) {
        auto structural = apply(type, puts, 0);
        ASSERT_TRUE(structural.is_error()) << type;
        EXPECT_STREQ(structural.error().message, "ELF: TLS relocation against a symbol that is not STT_TLS");
        auto bound = apply(type, tls_to_code, 0);
        ASSERT_TRUE(bound.is_error()) << type;
        EXPECT_EQ(bound.error().code, lib::Errno::LIBBAD);
    }
}

} // namespace
