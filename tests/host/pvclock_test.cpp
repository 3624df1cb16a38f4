// kvmclock's scale arithmetic (kernel/arch/x86_64/pvclock.h), with scales of the form KVM
// computes (kvm_get_time_scale: mul < 2^32, the shift chosen so that mul >= 2^31).
#include <kernel/arch/x86_64/pvclock.h>

#include <gtest/gtest.h>

namespace {

using arch::pvclock::scale_delta;
using arch::pvclock::tsc_hz;

TEST(Pvclock, ScalesTicksToNanoseconds)
{
    // 1 GHz: one tick is one nanosecond (mul 2^31, shift 1).
    EXPECT_EQ(scale_delta(1'000'000'000, 1u << 31, 1), 1'000'000'000u);
    // 2 GHz: half a nanosecond per tick (mul 2^31, shift 0).
    EXPECT_EQ(scale_delta(2'000'000'000, 1u << 31, 0), 1'000'000'000u);
    // 4 GHz: a negative shift divides first (mul 2^31, shift -1).
    EXPECT_EQ(scale_delta(4'000'000'000, 1u << 31, -1), 1'000'000'000u);
    // 3 GHz: mul = 2^32 / 3, rounded down: one second of ticks is a nanosecond short at most.
    uint64_t ns = scale_delta(3'000'000'000, 1431655765, 0);
    EXPECT_LE(ns, 1'000'000'000u);
    EXPECT_GE(ns, 1'000'000'000u - 1);
}

TEST(Pvclock, LargeDeltasDoNotOverflow)
{
    // A day of ticks at 2 GHz shifted left by one: the product needs more than 64 bits.
    constexpr uint64_t kDayAt2GHz = 86'400ull * 2'000'000'000;
    EXPECT_EQ(scale_delta(kDayAt2GHz, 1u << 30, 1), 86'400ull * 1'000'000'000);
}

TEST(Pvclock, ATscBehindTheRecordGivesTheRecordsTime)
{
    using arch::pvclock::record_ns;
    // 2.096 GHz with KVM's scale for it (shift -1, mul >= 2^31).
    uint32_t mul = uint32_t((2'000'000'000ull << 32) / 2'096'000'000ull);
    EXPECT_EQ(record_ns(5'000, 1'000'000, 1'000'000, mul, -1), 5'000u);
    EXPECT_NEAR(double(record_ns(5'000, 1'000'000, 1'000'000 + 2'096'000'000, mul, -1)), 1'000'005'000.0, 2.0);
    // Another CPU's TSC a few ticks behind the record: the record's time, not 2^64 ticks
    // later (about 8.8e18 ns at this rate; a restored VM once read its wall clock as
    // 160 years before the epoch that way).
    EXPECT_EQ(record_ns(5'000, 1'000'000, 999'990, mul, -1), 5'000u);
    EXPECT_EQ(record_ns(5'000, 1'000'000, 0, mul, -1), 5'000u);
}

TEST(Pvclock, RecoversTheTscFrequency)
{
    EXPECT_EQ(tsc_hz(1u << 31, 1), 1'000'000'000u);
    EXPECT_EQ(tsc_hz(1u << 31, 0), 2'000'000'000u);
    EXPECT_EQ(tsc_hz(1u << 31, -1), 4'000'000'000u);
    // 2.096 GHz (the nested harness's TSC): within a hertz of the scale's exact frequency.
    uint32_t mul = uint32_t((1'000'000'000ull << 32) / 2'096'000'000ull);
    EXPECT_NEAR(double(tsc_hz(mul, 0)), 2'096'000'000.0, 2.0);
    EXPECT_EQ(tsc_hz(0, 0), 0u);
}

} // namespace
