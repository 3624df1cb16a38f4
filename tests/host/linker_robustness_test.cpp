// Fuzz-ish robustness: real ELF files truncated at many lengths and with random bit flips
// go through every stage (plan, load, dynamic, symbols, imports, versions, relocation,
// TLS layout, file view). Nothing may crash or read out of bounds (ASan/UBSan are on);
// whatever is rejected must be rejected with an error message.
#include "linker_test_util.h"

#include <linker/file_view.h>
#include <linker/reloc.h>
#include <linker/tls.h>

#include <gtest/gtest.h>

namespace {

using namespace linker;

/// Resolves everything to a small readable definition, so COPY and TLS paths run too.
class AnythingResolver final : public SymbolResolver {
public:
    std::vector<std::byte> data = std::vector<std::byte>(4096);
    BufferMemory memory { data, 0x600000 };
    lib::Result<ResolvedSymbol> resolve(const SymbolRequest& r) override
    {
        if (r.name.empty())
            return lib::Error(lib::Errno::LIBBAD, "fuzz: missing symbol");
        return ResolvedSymbol { 0x600000, 4096, &memory, 1, -64 };
    }
    lib::Result<uint64_t> call_ifunc(uint64_t resolver) override { return resolver; }
};

void expect_message(const lib::Error& e) { EXPECT_NE(e.message[0], '\0'); }

/// Runs every stage on `file`; returns whether it got all the way through.
bool exercise(std::vector<std::byte> file)
{
    if (auto d = read_dynamic_from_file(file); d.is_error())
        expect_message(d.error());
    auto image = linker_test::LoadedImage::load(std::move(file));
    if (image.is_error()) {
        expect_message(image.error());
        return false;
    }
    size_t imports = 0;
    (void)image->symbols.for_each_import([&](const Import&) { ++imports; });
    for (const char* name : { "main", "answer", "memcpy", "_start", "puts" })
        (void)image->symbols.lookup(name, imports % 2 ? "LIBTEST_1.0" : "");
    if (image->plan.tls) {
        int64_t offset;
        (void)layout_static_tls(std::span(&*image->plan.tls, 1), std::span(&offset, 1));
    }
    auto tables = relocation_tables(image->view(), image->dynamic);
    if (tables.is_error())
        return false;
    AnythingResolver resolver;
    BufferMemory memory = image->buffer();
    RelocationContext context { image->bias(), image->symbols, 1, -128 };
    auto applied = apply_relocations(context, tables.value(), memory, resolver);
    if (applied.is_error())
        expect_message(applied.error());
    return !applied.is_error();
}

void fuzz(const char* path, int rounds)
{
    auto original = linker_test::read_file(path);
    ASSERT_FALSE(original.empty()) << path;
    EXPECT_TRUE(exercise(original)) << path;
    for (size_t size = 0; size < original.size(); size += size < 4096 ? 13 : 1499)
        exercise(std::vector<std::byte>(original.begin(), original.begin() + long(size)));
    int survived = 0;
    uint32_t seed = 12345;
    auto next = [&] { return seed = seed * 1103515245 + 12345, seed >> 8; };
    for (int round = 0; round < rounds; ++round) {
        auto corrupted = original;
        size_t window = round % 3 == 0 ? 4096 : corrupted.size(); // headers and tables are up front
        for (int flips = 1 + round % 4; flips > 0; --flips) {
            size_t at = next() % window;
            if (round % 5 == 0)
                corrupted[at] = std::byte(next() % 3 == 0 ? 0xff : 0); // whole bytes: sizes and indices
            else
                corrupted[at] ^= std::byte(1 << (next() % 8));
        }
        survived += exercise(std::move(corrupted));
    }
    // Most flips land in code or data the linker never reads: plenty of inputs must reach
    // relocation, or this test would only exercise the header checks.
    EXPECT_GT(survived, rounds / 4) << path;
    EXPECT_LT(survived, rounds) << path;
}

TEST(LinkerRobustness, CorruptedPie) { fuzz(OSPREY_LINKER_TEST_PROGRAM, 1500); }
TEST(LinkerRobustness, CorruptedLibrary) { fuzz(OSPREY_LINKER_TEST_LIBRARY, 1500); }
TEST(LinkerRobustness, CorruptedRelrLibrary) { fuzz(OSPREY_LINKER_TEST_LIBRARY_RELR, 1000); }

} // namespace
