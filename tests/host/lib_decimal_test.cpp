// lib::parse_decimal: what the kernel's option and path parsers accept.
#include <lib/decimal.h>

#include <gtest/gtest.h>

namespace {

TEST(LibDecimal, ReadsNumbersUpToTheLimit)
{
    EXPECT_EQ(lib::parse_decimal("0"), 0u);
    EXPECT_EQ(lib::parse_decimal("1024"), 1024u);
    EXPECT_EQ(lib::parse_decimal("18446744073709551615"), UINT64_MAX);
    EXPECT_EQ(lib::parse_decimal("4294967294", UINT32_MAX - 1), UINT32_MAX - 1);
    EXPECT_EQ(lib::parse_decimal("4294967295", UINT32_MAX - 1), std::nullopt) << "past the limit";
    EXPECT_EQ(lib::parse_decimal("18446744073709551616"), std::nullopt) << "past 64 bits";
    EXPECT_EQ(lib::parse_decimal("99999999999999999999"), std::nullopt);
}

TEST(LibDecimal, RefusesAnythingButDigits)
{
    for (const char* bad : { "", "-1", "+1", " 1", "1 ", "1:2", "0x10", "1e3" })
        EXPECT_EQ(lib::parse_decimal(bad), std::nullopt) << bad;
}

} // namespace
