// SIGFPE's si_code for #MF and #XM (kernel/core/floating_point_code.h), against what Linux
// gives for the same states (its fpu__exception_code).
#include <kernel/core/floating_point_code.h>

#include <gtest/gtest.h>

namespace {

using namespace arch;

TEST(FloatingPointCode, SimdFlagsAgainstTheirMasks)
{
    constexpr uint32_t kDefault = 0x1f80; // every exception masked, no flag
    EXPECT_EQ(floating_point_code(kDefault), kFpeNone);
    EXPECT_EQ(floating_point_code(kDefault | 0x04), kFpeNone); // raised but masked
    // feenableexcept(FE_DIVBYZERO) makes 0x1d80; 1.0 / 0.0 then raises ZE.
    EXPECT_EQ(floating_point_code(0x1d80 | 0x04), kFpeDivideByZero);
    EXPECT_EQ(floating_point_code(0x1f00 | 0x01), kFpeInvalid); // sqrt(-1), IM clear
    EXPECT_EQ(floating_point_code(0x1b80 | 0x08), kFpeOverflow);
    EXPECT_EQ(floating_point_code(0x1780 | 0x10), kFpeUnderflow);
    EXPECT_EQ(floating_point_code(0x1e80 | 0x02), kFpeUnderflow); // denormal counts as underflow
    EXPECT_EQ(floating_point_code(0x0000 | 0x20), kFpeInexact);
    // Several at once: the first in Linux's order; a masked one is passed over.
    EXPECT_EQ(floating_point_code(0x0000 | 0x3f), kFpeInvalid);
    EXPECT_EQ(floating_point_code(0x0080 | 0x0d), kFpeDivideByZero); // IE raised but masked
}

TEST(FloatingPointCode, X87StatusAgainstControl)
{
    constexpr uint16_t kDefaultControl = 0x037f; // all masked
    EXPECT_EQ(floating_point_code(kDefaultControl, 0x0004), kFpeNone);
    EXPECT_EQ(floating_point_code(uint16_t(kDefaultControl & ~0x04), 0x0004), kFpeDivideByZero);
    EXPECT_EQ(floating_point_code(uint16_t(kDefaultControl & ~0x01), 0x0041), kFpeInvalid); // stack fault
    EXPECT_EQ(floating_point_code(0x0000, 0x0020), kFpeInexact);
}

} // namespace
