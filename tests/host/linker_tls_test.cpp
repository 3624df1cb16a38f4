// Static TLS layout (x86-64 variant II): the arithmetic, then a real hardened PIE run on
// the host, whose printed thread-pointer offsets (chosen by GCC's local-exec code and the
// host ld.so) must equal the layout's offset plus each symbol's st_value.
#include "linker_test_util.h"

#include <linker/tls.h>

#include <gtest/gtest.h>

#include <cstdio>

namespace {

using namespace linker;

TEST(LinkerTls, ExecutableBlockEndsAtTheThreadPointer)
{
    TlsSegment exe { 0x3000, 0x10, 0x44, 16 };
    int64_t offset = 0;
    auto layout = layout_static_tls(std::span(&exe, 1), std::span(&offset, 1));
    ASSERT_FALSE(layout.is_error());
    EXPECT_EQ(offset, -0x50); // -round_up(memsz, align)
    EXPECT_EQ(layout->size, 0x50u);
    EXPECT_EQ(layout->align, 16u);
}

TEST(LinkerTls, LibrariesGoBelowHonouringAlignment)
{
    TlsSegment modules[] = { { 0x3000, 4, 4, 4 }, { 0x5000, 0, 0x30, 64 }, { 0x2008, 8, 8, 16 } };
    int64_t offsets[3];
    auto layout = layout_static_tls(modules, offsets);
    ASSERT_FALSE(layout.is_error());
    EXPECT_EQ(offsets[0], -4);
    EXPECT_EQ(offsets[1], -64);     // round_up(4 + 0x30, 64)
    EXPECT_EQ(offsets[2], -64 - 8); // p_vaddr = 8 mod 16: the block starts 8 mod 16 below TP
    EXPECT_EQ((0 - offsets[2]) % 16, 8);
    EXPECT_EQ(layout->size, 72u);
    EXPECT_EQ(layout->align, 64u);
    for (int i = 0; i < 3; ++i) // blocks do not overlap
        for (int j = i + 1; j < 3; ++j)
            EXPECT_LE(offsets[j] + int64_t(modules[j].memsz), offsets[i]);
}

TEST(LinkerTls, RejectsBadInput)
{
    TlsSegment bad_align { 0, 4, 4, 24 };
    int64_t offset;
    EXPECT_STREQ(layout_static_tls(std::span(&bad_align, 1), std::span(&offset, 1)).error().message,
        "ELF: PT_TLS alignment not a power of two or above 1 MiB");
    TlsSegment huge { 0, 4, 1ull << 40, 8 };
    EXPECT_STREQ(layout_static_tls(std::span(&huge, 1), std::span(&offset, 1)).error().message,
        "ELF: PT_TLS larger than 1 GiB or with p_filesz > p_memsz");
    EXPECT_EQ(layout_static_tls(std::span(&huge, 1), {}).error().code, lib::Errno::INVAL);
}

TEST(LinkerTls, LaterBlocksGoBelowTheOnesInUse)
{
    TlsBlock used[] = { { -0x50, 0x44 } }; // the executable's, ending at the thread pointer
    auto offset = place_tls_block(used, { 0, 8, 0x20, 16 }, 0x1000);
    ASSERT_FALSE(offset.is_error());
    EXPECT_EQ(*offset, -0x70);
    TlsSegment odd { 0x2008, 8, 8, 16 }; // p_vaddr = 8 mod 16, as layout_static_tls honours it
    EXPECT_EQ((0 - *place_tls_block(used, odd, 0x1000)) % 16, 8);
}

TEST(LinkerTls, AGapAModuleGaveBackIsUsedAgain)
{
    // The executable, then two dlopen'ed blocks of which the first was unloaded: a block
    // that fits in its 0x40 bytes goes there, a larger one below the second.
    TlsBlock used[] = { { -0x40, 0x40 }, { -0xc0, 0x40 } };
    EXPECT_EQ(*place_tls_block(used, { 0, 0, 0x40, 64 }, 0x1000), -0x80);
    EXPECT_EQ(*place_tls_block(used, { 0, 0, 0x20, 16 }, 0x1000), -0x60);
    EXPECT_EQ(*place_tls_block(used, { 0, 0, 0x41, 1 }, 0x1000), -0x101);
}

TEST(LinkerTls, NoRoomIsNoSpace)
{
    TlsBlock used[] = { { -0x100, 0x100 } };
    EXPECT_EQ(*place_tls_block(used, { 0, 0, 0x100, 1 }, 0x200), -0x200); // exactly fills it
    EXPECT_EQ(place_tls_block(used, { 0, 0, 0x101, 1 }, 0x200).error().code, lib::Errno::NOSPC);
    EXPECT_EQ(place_tls_block(used, { 0, 0, 4, 24 }, 0x200).error().code, lib::Errno::NOEXEC);
    for (int64_t offset = -0x200; offset < 0; offset += 0x80) { // placed blocks never overlap used ones
        TlsBlock in_use[] = { { offset, 0x40 } };
        int64_t placed = *place_tls_block(in_use, { 0, 0, 0x60, 32 }, 0x1000);
        EXPECT_TRUE(placed + 0x60 <= offset || offset + 0x40 <= placed) << offset;
    }
}

TEST(LinkerTls, MatchesWhatARealProgramSees)
{
    FILE* pipe = popen(OSPREY_LINKER_TEST_PROBE, "r");
    ASSERT_NE(pipe, nullptr);
    long seen[3] = {};
    int fields = fscanf(pipe, "%ld %ld %ld", &seen[0], &seen[1], &seen[2]);
    pclose(pipe);
    ASSERT_EQ(fields, 3);

    auto image = linker_test::LoadedImage::load(linker_test::read_file(OSPREY_LINKER_TEST_PROBE));
    ASSERT_FALSE(image.is_error()) << image.error().message;
    ASSERT_TRUE(image->plan.tls);
    EXPECT_EQ(image->plan.tls->align, 64u);
    int64_t offset = 0;
    ASSERT_FALSE(layout_static_tls(std::span(&*image->plan.tls, 1), std::span(&offset, 1)).is_error());
    const char* names[] = { "probe_small", "probe_aligned", "probe_bss" };
    for (int i = 0; i < 3; ++i) {
        auto symbol = image->symbols.lookup(names[i]); // exported with -Wl,-E
        ASSERT_TRUE(symbol) << names[i];
        EXPECT_EQ(elf::symbol_type(symbol->symbol), elf::STT_TLS);
        EXPECT_EQ(offset + int64_t(symbol->symbol.value), seen[i]) << names[i];
    }

    // A thread's block: .tdata copied, .tbss zeroed.
    std::vector<std::byte> thread(0x1000, std::byte(0xee));
    uint64_t tp = 0x10000 + 0x800;
    BufferMemory thread_memory(thread, 0x10000);
    BufferMemory image_memory = image->buffer();
    ASSERT_FALSE(initialize_tls_block(
        thread_memory, tp, offset, *image->plan.tls, image_memory, image->bias() + image->plan.tls->vaddr)
                     .is_error());
    int32_t small;
    memcpy(&small, thread.data() + 0x800 + offset + image->symbols.lookup("probe_small")->symbol.value, 4);
    EXPECT_EQ(small, 3);
    EXPECT_EQ(thread[0x800 + offset + image->symbols.lookup("probe_aligned")->symbol.value], std::byte(1));
    EXPECT_EQ(thread[0x800 + offset + image->symbols.lookup("probe_bss")->symbol.value], std::byte(0));
    EXPECT_EQ(thread[0x800 + offset - 1], std::byte(0xee)); // nothing written below the block
}

} // namespace
