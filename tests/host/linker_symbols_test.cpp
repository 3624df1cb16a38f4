// Symbol lookup and GNU symbol versions: a synthetic SysV-hashed table with exact
// expectations, then real objects from the host toolchain (GNU hash) and the host glibc.
#include "linker_test_util.h"

#include <gtest/gtest.h>

#include <map>

namespace {

using namespace linker;
using linker_test::LoadedImage;
using linker_test::ObjectBuilder;

TEST(LinkerSymbols, HashFunctions)
{
    EXPECT_EQ(gnu_hash(""), 5381u);
    EXPECT_EQ(gnu_hash("printf"), 0x156b2bb8u);
    EXPECT_EQ(gnu_hash("memcpy"), 0x0d827590u);
    EXPECT_EQ(elf_hash(""), 0u);
    EXPECT_EQ(elf_hash("printf"), 0x077905a6u);
    EXPECT_EQ(elf_hash("_ZN4core3fmt5write17h"), 0x0174f448u); // long name: the high-nibble fold
}

/// A library defining `f` at two versions (V1 hidden, V2 default), `plain` unversioned,
/// `local_thing` local, and importing `puts@GLIBC_2.2.5` (weak `maybe` unversioned).
ObjectBuilder versioned_library()
{
    ObjectBuilder b;
    b.verdefs = { { 1, "libx.so.1" }, { 2, "V1" }, { 3, "V2" } };
    b.verneeds = { { 4, "GLIBC_2.2.5" } };
    b.add_symbol("f", elf::STB_GLOBAL, elf::STT_FUNC, 7, 0x1100, 8, 2 | elf::kVersymHidden);
    b.add_symbol("f", elf::STB_GLOBAL, elf::STT_FUNC, 7, 0x1200, 8, 3);
    b.add_symbol("plain", elf::STB_GLOBAL, elf::STT_OBJECT, 7, 0x2000, 16, 1);
    b.add_symbol("local_thing", elf::STB_LOCAL, elf::STT_OBJECT, 7, 0x2010, 4, 1);
    b.add_symbol("puts", elf::STB_GLOBAL, elf::STT_FUNC, elf::SHN_UNDEF, 0, 0, 4);
    b.add_symbol("maybe", elf::STB_WEAK, elf::STT_NOTYPE, elf::SHN_UNDEF, 0, 0, 1);
    b.add_symbol("old_only", elf::STB_GLOBAL, elf::STT_FUNC, 7, 0x1300, 8, 2 | elf::kVersymHidden);
    b.finish();
    return b;
}

TEST(LinkerSymbols, VersionMatchingRules)
{
    ObjectBuilder b = versioned_library();
    auto table = b.table();
    ASSERT_FALSE(table.is_error()) << table.error().message;
    EXPECT_EQ(table->size(), 8u);
    auto value_of = [&](const char* name, const char* version) -> uint64_t {
        auto d = table->lookup(name, version);
        return d ? d->symbol.value : 0;
    };
    EXPECT_EQ(value_of("f", "V1"), 0x1100u); // a hidden version matches an exact request
    EXPECT_EQ(value_of("f", "V2"), 0x1200u);
    EXPECT_EQ(value_of("f", ""), 0x1200u); // no version: the default (@@) one
    EXPECT_EQ(value_of("f", "V3"), 0u);
    EXPECT_EQ(value_of("old_only", ""), 0u); // only a hidden version: not without a request
    EXPECT_EQ(value_of("old_only", "V1"), 0x1300u);
    EXPECT_EQ(value_of("plain", "V2"), 0x2000u); // unversioned definitions satisfy any request
    EXPECT_EQ(value_of("plain", ""), 0x2000u);
    EXPECT_EQ(value_of("local_thing", ""), 0u);
    EXPECT_EQ(value_of("puts", ""), 0u); // undefined here
    auto d = table->lookup("f", "V1");
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ(d->version.name, "V1");
    EXPECT_TRUE(d->version.hidden);
    int base_count = 0;
    std::vector<std::string> names;
    ASSERT_FALSE(table
                     ->for_each_version_definition([&](uint16_t, std::string_view name, bool base) {
                         names.emplace_back(name);
                         base_count += base;
                     })
                     .is_error());
    EXPECT_EQ(names, (std::vector<std::string> { "libx.so.1", "V1", "V2" }));
    EXPECT_EQ(base_count, 1);
}

TEST(LinkerSymbols, DecodesImports)
{
    ObjectBuilder b = versioned_library();
    auto table = b.table();
    ASSERT_FALSE(table.is_error()) << table.error().message;
    std::vector<Import> imports;
    ASSERT_FALSE(table->for_each_import([&](const Import& i) { imports.push_back(i); }).is_error());
    ASSERT_EQ(imports.size(), 2u);
    EXPECT_EQ(imports[0].name, "puts");
    EXPECT_FALSE(imports[0].weak);
    EXPECT_EQ(imports[0].type, elf::STT_FUNC);
    EXPECT_EQ(imports[0].version.name, "GLIBC_2.2.5");
    EXPECT_EQ(imports[0].version.file, "libc.so.6");
    EXPECT_EQ(imports[1].name, "maybe");
    EXPECT_TRUE(imports[1].weak);
    EXPECT_EQ(imports[1].version.name, "");
}

TEST(LinkerSymbols, RejectsOutOfRangeIndicesAndTables)
{
    ObjectBuilder b = versioned_library();
    auto table = b.table();
    ASSERT_FALSE(table.is_error());
    EXPECT_STREQ(table->symbol(8).error().message, "ELF: symbol index out of range");
    EXPECT_STREQ(table->string(1u << 20).error().message, "ELF: string index outside the dynamic string table");
    b.put(ObjectBuilder::kVersym + 2, uint16_t(9)); // symbol 1 names version 9: nobody defines it
    EXPECT_STREQ(
        b.table()->version(1).error().message, "ELF: symbol version index names no DT_VERDEF or DT_VERNEED entry");
    EXPECT_FALSE(b.table()->lookup("f", "V1").has_value());

    ObjectBuilder c = versioned_library();
    c.dynamic.symtab = ObjectBuilder::kSize - 24; // 8 symbols cannot fit there
    EXPECT_STREQ(c.table().error().message, "ELF: dynamic symbol table outside the object or misaligned");
    c = versioned_library();
    c.put(ObjectBuilder::kHash + 4, uint32_t(1u << 30)); // nchain huge
    EXPECT_STREQ(c.table().error().message, "ELF: DT_HASH buckets or chains outside the object");
    c = versioned_library();
    c.dynamic.sysv_hash = 0;
    EXPECT_STREQ(c.table().error().message, "ELF: no DT_HASH or DT_GNU_HASH (symbol count unknown)");
    c = versioned_library();
    c.put(ObjectBuilder::kVerdef, uint16_t(2)); // vd_version 2
    EXPECT_STREQ(c.table().error().message, "ELF: unknown DT_VERDEF revision");
    c = versioned_library();
    c.put(ObjectBuilder::kVerneed + 8, uint32_t(0x10000)); // vn_aux far away
    EXPECT_STREQ(c.table().error().message, "ELF: DT_VERNEED auxiliary entry outside the object");
}

TEST(LinkerSymbols, DtHashCountsWhatAnEmptyGnuHashDoesNot)
{
    // Free Pascal's executables: a DT_GNU_HASH that hashes no symbol (symoffset 1, one
    // empty bucket) beside a DT_HASH whose nchain counts every symbol. The imports past
    // symoffset are symbols all the same.
    ObjectBuilder b = versioned_library();
    constexpr uint64_t kGnuHash = 0x1000;
    b.put(kGnuHash, uint32_t(1));      // nbuckets
    b.put(kGnuHash + 4, uint32_t(1));  // symoffset
    b.put(kGnuHash + 8, uint32_t(1));  // bloom_size
    b.put(kGnuHash + 12, uint32_t(0)); // bloom_shift; the Bloom word and the bucket stay 0
    b.dynamic.gnu_hash = kGnuHash;
    auto table = b.table();
    ASSERT_FALSE(table.is_error()) << table.error().message;
    EXPECT_EQ(table->size(), b.symbols.size());
    std::vector<Import> imports;
    ASSERT_FALSE(table->for_each_import([&](const Import& i) { imports.push_back(i); }).is_error());
    EXPECT_EQ(imports.size(), 2u);
}

std::map<std::string, Import> imports_of(const LoadedImage& image)
{
    std::map<std::string, Import> result;
    EXPECT_FALSE(
        image.symbols.for_each_import([&](const Import& i) { result.emplace(std::string(i.name), i); }).is_error());
    return result;
}

TEST(LinkerSymbols, ImportsOfAHardenedPie)
{
    auto image = LoadedImage::load(linker_test::read_file(OSPREY_LINKER_TEST_PROBE));
    ASSERT_FALSE(image.is_error()) << image.error().message;
    auto imports = imports_of(image.value());
    ASSERT_TRUE(imports.count("puts"));
    EXPECT_EQ(imports["puts"].version.name, "GLIBC_2.2.5");
    EXPECT_EQ(imports["puts"].version.file, "libc.so.6");
    EXPECT_EQ(imports["puts"].type, elf::STT_FUNC);
    EXPECT_FALSE(imports["puts"].weak);
    ASSERT_TRUE(imports.count("__libc_start_main"));
    EXPECT_EQ(imports["__libc_start_main"].version.name, "GLIBC_2.34");
    ASSERT_TRUE(imports.count("__cxa_finalize"));
    EXPECT_TRUE(imports["__cxa_finalize"].weak);

    auto program = LoadedImage::load(linker_test::read_file(OSPREY_LINKER_TEST_PROGRAM));
    ASSERT_FALSE(program.is_error()) << program.error().message;
    auto program_imports = imports_of(program.value());
    ASSERT_TRUE(program_imports.count("__stack_chk_fail"));
    EXPECT_EQ(program_imports["__stack_chk_fail"].version.name, "GLIBC_2.4");
    EXPECT_EQ(program_imports["__stack_chk_fail"].version.file, "libc.so.6");
    EXPECT_TRUE(program->dynamic.pie());
    EXPECT_TRUE(program->dynamic.bind_now());
}

TEST(LinkerSymbols, LooksUpALibrarysVersionedExports)
{
    for (const char* path : { OSPREY_LINKER_TEST_LIBRARY, OSPREY_LINKER_TEST_LIBRARY_RELR }) {
        auto lib = LoadedImage::load(linker_test::read_file(path));
        ASSERT_FALSE(lib.is_error()) << lib.error().message;
        const SymbolTable& t = lib->symbols;
        auto v1 = t.lookup("answer", "LIBTEST_1.0"), v2 = t.lookup("answer", "LIBTEST_2.0"), any = t.lookup("answer");
        ASSERT_TRUE(v1 && v2 && any);
        EXPECT_NE(v1->symbol.value, v2->symbol.value);
        EXPECT_TRUE(v1->version.hidden);
        EXPECT_EQ(any->symbol.value, v2->symbol.value);
        EXPECT_FALSE(t.lookup("answer", "LIBTEST_9.9"));
        auto plain = t.lookup("plain_function", "LIBTEST_1.0");
        ASSERT_TRUE(plain);
        EXPECT_EQ(plain->version.name, "LIBTEST_1.0");
        EXPECT_TRUE(t.lookup("plain_function"));
        EXPECT_FALSE(t.lookup("answer_v1")); // local after the version script
        EXPECT_FALSE(t.lookup("no_such_function"));
        EXPECT_FALSE(lib->dynamic.pie());
    }
}

TEST(LinkerSymbols, HostGlibcExportsMemcpyAtTwoVersions)
{
    auto libc = LoadedImage::load(linker_test::read_file("/lib/x86_64-linux-gnu/libc.so.6"));
    ASSERT_FALSE(libc.is_error()) << libc.error().message;
    const SymbolTable& t = libc->symbols;
    auto old_memcpy = t.lookup("memcpy", "GLIBC_2.2.5"), new_memcpy = t.lookup("memcpy", "GLIBC_2.14");
    auto default_memcpy = t.lookup("memcpy");
    ASSERT_TRUE(old_memcpy && new_memcpy && default_memcpy);
    EXPECT_NE(old_memcpy->symbol.value, new_memcpy->symbol.value);
    EXPECT_TRUE(old_memcpy->version.hidden);
    EXPECT_FALSE(new_memcpy->version.hidden);
    EXPECT_EQ(default_memcpy->version.name, "GLIBC_2.14");
    EXPECT_EQ(elf::symbol_type(new_memcpy->symbol), elf::STT_GNU_IFUNC);
    auto puts = t.lookup("puts", "GLIBC_2.2.5");
    ASSERT_TRUE(puts);
    EXPECT_EQ(puts->symbol.value, t.lookup("puts")->symbol.value);
    auto errno_tls = t.lookup("errno", "GLIBC_PRIVATE");
    ASSERT_TRUE(errno_tls);
    EXPECT_EQ(elf::symbol_type(errno_tls->symbol), elf::STT_TLS);
    EXPECT_EQ(t.string(*libc->dynamic.soname).value(), "libc.so.6");
    bool has_214 = false;
    ASSERT_FALSE(t.for_each_version_definition([&](uint16_t, std::string_view n, bool) {
                      has_214 |= n == "GLIBC_2.14";
                  }).is_error());
    EXPECT_TRUE(has_214);
}

} // namespace
