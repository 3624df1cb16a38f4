// osprey-boot-timer's report (bench/boot/boot_report.c): the percentiles and the pair by
// pair comparison it prints, and its samples file, read back and refused when malformed.
#include "boot_timer.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

namespace {

std::string report(const std::vector<BootCase>& cases)
{
    char* text = nullptr;
    size_t size = 0;
    FILE* out = open_memstream(&text, &size);
    boot_print_report(out, cases.data(), static_cast<int>(cases.size()));
    fclose(out);
    std::string result(text, size);
    free(text);
    return result;
}

// Samples whose times to line are `line_ms` and to exit 1 ms later, status 0.
std::vector<BootSample> samples(const std::vector<long>& line_ms)
{
    std::vector<BootSample> result;
    for (long ms : line_ms)
        result.push_back({ ms * 1000, ms * 1000 + 1000, 0 });
    return result;
}

BootCase boot_case(const char* label, std::vector<BootSample>& runs)
{
    return { label, "", nullptr, runs.data(), static_cast<int>(runs.size()) };
}

TEST(BootReport, PrintsNearestRankPercentilesInMilliseconds)
{
    std::vector<long> times;
    for (long ms = 100; ms >= 1; ms--) // given unsorted: the report sorts
        times.push_back(ms);
    auto runs = samples(times);
    std::string text = report({ boot_case("A", runs) });
    // median 50, p90 90, p99 99, min 1, max 100; to exit each 1 ms later.
    EXPECT_NE(text.find("| A | 100 | 50.0 | 90.0 | 99.0 | 1.0 | 100.0 | 51.0 | 91.0 | 100.0 | 2.0 | 101.0 | 0 x100 |"),
        std::string::npos)
        << text;
}

TEST(BootReport, ComparesEachCaseWithTheFirstPairByPair)
{
    auto base = samples({ 10, 20, 40 });
    auto other = samples({ 15, 30, 60 }); // 1.5x in every round
    std::string text = report({ boot_case("floor", base), boot_case("vm", other) });
    EXPECT_NE(text.find("| against floor, pair by pair |"), std::string::npos) << text;
    // to line: ratio 1.50 in every pair; medians 30 - 20 = +10 ms.
    EXPECT_NE(text.find("| vm | 1.50x (1.50-1.50) | +10.0 |"), std::string::npos) << text;
}

TEST(BootReport, LeavesRunsWithoutALineOutOfTimeToLineAndCountsStatuses)
{
    std::vector<BootSample> runs = { { kNoLine, 5000, kStatusTimedOut }, { 2000, 3000, 0 }, { 4000, 6000, 0 } };
    std::string text = report({ boot_case("A", runs) });
    // to line from the two runs with a line (median by nearest rank: 2.0), to exit from all three.
    EXPECT_NE(text.find("| A | 3 | 2.0 | 4.0 | 4.0 | 2.0 | 4.0 | 5.0 | 6.0 | 6.0 | 3.0 | 6.0 | timed out x1, 0 x2 |"),
        std::string::npos)
        << text;
}

TEST(BootReport, SamplesFileRoundTrips)
{
    auto first = samples({ 7, 9 });
    std::vector<BootSample> second = { { kNoLine, 12000, 3 } };
    std::vector<BootCase> cases = { boot_case("floor: bare KVM guest", first), boot_case("vm", second) };
    char* text = nullptr;
    size_t size = 0;
    FILE* out = open_memstream(&text, &size);
    fputs("a line the harness added\n", out);
    boot_write_samples(out, cases.data(), 2);
    fclose(out);
    FILE* in = fmemopen(text, size, "r");
    BootCase read[4] = {};
    ASSERT_EQ(boot_read_samples(in, "samples", read, 4), 2);
    fclose(in);
    free(text);
    EXPECT_STREQ(read[0].label, "floor: bare KVM guest");
    ASSERT_EQ(read[0].count, 2);
    EXPECT_EQ(read[0].samples[1].line_us, 9000);
    ASSERT_EQ(read[1].count, 1);
    EXPECT_EQ(read[1].samples[0].line_us, kNoLine);
    EXPECT_EQ(read[1].samples[0].status, 3);
    for (BootCase& c : read) {
        free(const_cast<char*>(c.label ? c.label : nullptr));
        free(c.samples);
    }
}

TEST(BootReport, RefusesMalformedSamplesAndTooManyCases)
{
    std::string bad = "sample\tA\t1\tnot-a-number\t5\t0\n";
    FILE* in = fmemopen(bad.data(), bad.size(), "r");
    BootCase read[1] = {};
    EXPECT_EQ(boot_read_samples(in, "bad", read, 1), -1);
    fclose(in);
    std::string two = "sample\tA\t1\t1\t2\t0\nsample\tB\t1\t1\t2\t0\n";
    in = fmemopen(two.data(), two.size(), "r");
    BootCase one[1] = {};
    EXPECT_EQ(boot_read_samples(in, "two", one, 1), -1);
    fclose(in);
    free(const_cast<char*>(read[0].label));
    free(read[0].samples);
    free(const_cast<char*>(one[0].label));
    free(one[0].samples);
}

} // namespace
