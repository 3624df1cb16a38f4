#include <lib/result.h>

#include <gtest/gtest.h>

#include <memory>

namespace {

lib::Result<int> parse_digit(char c)
{
    if (c < '0' || c > '9')
        return lib::Error(lib::Errno::INVAL, "not a digit");
    return c - '0';
}

lib::Result<int> sum_two(const char* s)
{
    int a = TRY(parse_digit(s[0]));
    int b = TRY(parse_digit(s[1]));
    return a + b;
}

TEST(Result, ValueAndErrorPropagateThroughTry)
{
    auto ok = sum_two("34");
    ASSERT_FALSE(ok.is_error());
    EXPECT_EQ(ok.value(), 7);

    auto bad = sum_two("3x");
    ASSERT_TRUE(bad.is_error());
    EXPECT_EQ(bad.error().code, lib::Errno::INVAL);
    EXPECT_STREQ(bad.error().message, "not a digit");
    EXPECT_STREQ(lib::errno_name(bad.error().code), "EINVAL");
}

TEST(Result, HoldsMoveOnlyValues)
{
    lib::Result<std::unique_ptr<int>> r(std::make_unique<int>(5));
    ASSERT_TRUE(bool(r));
    auto p = r.release_value();
    EXPECT_EQ(*p, 5);
}

TEST(Result, VoidResult)
{
    lib::Result<void> ok;
    EXPECT_FALSE(ok.is_error());
    lib::Result<void> bad(lib::Errno::NOMEM);
    EXPECT_TRUE(bad.is_error());
    EXPECT_EQ(bad.error().code, lib::Errno::NOMEM);
}

} // namespace
