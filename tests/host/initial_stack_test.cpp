#include <linker/initial_stack.h>

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace {

using linker::AuxEntry;

struct Fixture {
    static constexpr uint64_t kBase = 0x7fff0000;
    std::vector<std::byte> stack = std::vector<std::byte>(16384);
    uint64_t word(uint64_t address) const
    {
        uint64_t v;
        memcpy(&v, stack.data() + (address - kBase), 8);
        return v;
    }
    const char* string(uint64_t address) const
    {
        return reinterpret_cast<const char*>(stack.data() + (address - kBase));
    }
};

TEST(InitialStack, LayoutMatchesTheLinuxAbi)
{
    Fixture f;
    std::string_view argv[] = { "/app/prog", "two words", "" };
    std::string_view envp[] = { "A=1", "PATH=/bin" };
    AuxEntry aux[] = { { linker::AT_PAGESZ, 4096 }, { linker::AT_ENTRY, 0x1234 } };
    linker::InitialStackSpec spec { argv, envp, aux, "/app/prog", {} };
    for (int i = 0; i < 16; ++i)
        spec.random_bytes[i] = uint8_t(i + 1);
    auto result = linker::build_initial_stack(f.stack, Fixture::kBase, spec);
    ASSERT_FALSE(result.is_error());
    uint64_t sp = result->stack_pointer;
    EXPECT_EQ(sp % 16, 0u);
    EXPECT_EQ(f.word(sp), 3u);
    EXPECT_STREQ(f.string(f.word(sp + 8)), "/app/prog");
    EXPECT_STREQ(f.string(f.word(sp + 16)), "two words");
    EXPECT_STREQ(f.string(f.word(sp + 24)), "");
    EXPECT_EQ(f.word(sp + 32), 0u);
    EXPECT_STREQ(f.string(f.word(sp + 40)), "A=1");
    EXPECT_STREQ(f.string(f.word(sp + 48)), "PATH=/bin");
    EXPECT_EQ(f.word(sp + 56), 0u);
    EXPECT_EQ(result->auxv, sp + 64);

    // Walk the auxiliary vector: ours first, then AT_RANDOM/AT_EXECFN/AT_PLATFORM, AT_NULL.
    uint64_t a = result->auxv;
    EXPECT_EQ(f.word(a), uint64_t(linker::AT_PAGESZ));
    EXPECT_EQ(f.word(a + 8), 4096u);
    EXPECT_EQ(f.word(a + 16), uint64_t(linker::AT_ENTRY));
    EXPECT_EQ(f.word(a + 32), uint64_t(linker::AT_RANDOM));
    uint64_t random = f.word(a + 40);
    EXPECT_EQ(std::to_integer<int>(f.stack[random - Fixture::kBase]), 1);
    EXPECT_EQ(std::to_integer<int>(f.stack[random + 15 - Fixture::kBase]), 16);
    EXPECT_EQ(f.word(a + 48), uint64_t(linker::AT_EXECFN));
    EXPECT_STREQ(f.string(f.word(a + 56)), "/app/prog");
    EXPECT_EQ(f.word(a + 64), uint64_t(linker::AT_PLATFORM));
    EXPECT_STREQ(f.string(f.word(a + 72)), "x86_64");
    EXPECT_EQ(f.word(a + 80), uint64_t(linker::AT_NULL));
    // Everything stays inside the buffer.
    EXPECT_GE(sp, Fixture::kBase);
}

TEST(InitialStack, TooLargeIsAnError)
{
    Fixture f;
    f.stack.resize(256);
    std::string big(300, 'x');
    std::string_view argv[] = { big };
    linker::InitialStackSpec spec { argv, {}, {}, "/x", {} };
    auto result = linker::build_initial_stack(f.stack, Fixture::kBase, spec);
    ASSERT_TRUE(result.is_error());
    EXPECT_EQ(result.error().code, lib::Errno::TOOBIG);
}

TEST(InitialStack, ExactlyFullStackDoesNotOverflow)
{
    for (size_t size = 64; size < 512; size += 8) {
        Fixture f;
        f.stack.resize(size);
        std::string_view argv[] = { "prog", "argument" };
        std::string_view envp[] = { "X=y" };
        linker::InitialStackSpec spec { argv, envp, {}, "prog", {} };
        auto result = linker::build_initial_stack(f.stack, Fixture::kBase, spec);
        if (!result.is_error()) {
            EXPECT_GE(result->stack_pointer, Fixture::kBase);
        }
    }
}

} // namespace
