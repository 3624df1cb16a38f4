#include <monitor/guest_memory.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <fcntl.h>
#include <unistd.h>

namespace {

using monitor::GuestMemory;

int temp_file_with(const std::string& content)
{
    char path[] = "/tmp/osprey-monitor-test-XXXXXX";
    int fd = mkstemp(path);
    unlink(path);
    EXPECT_EQ(write(fd, content.data(), content.size()), ssize_t(content.size()));
    return fd;
}

TEST(MonitorGuestMemory, RamSpansAreChecked)
{
    auto memory = GuestMemory::create(4 << 20);
    ASSERT_FALSE(memory.is_error());
    EXPECT_EQ(memory->ram_size(), 4u << 20);
    auto whole = memory->span(0, 4 << 20);
    ASSERT_FALSE(whole.is_error());
    whole->back() = 7;
    EXPECT_FALSE(memory->span((4 << 20) - 1, 1).is_error());
    EXPECT_EQ(memory->span((4 << 20) - 1, 2).error().code, lib::Errno::FAULT);
    EXPECT_EQ(memory->span(4 << 20, 1).error().code, lib::Errno::FAULT);
    EXPECT_TRUE(memory->span(8, UINT64_MAX).is_error()); // would wrap
    EXPECT_TRUE(memory->span(UINT64_MAX, 2).is_error());
    EXPECT_FALSE(memory->span(4 << 20, 0).is_error()); // empty range at the end
}

TEST(MonitorGuestMemory, SizeIsRoundedAndLimited)
{
    EXPECT_EQ(GuestMemory::create(1)->ram_size(), 2u << 20);
    EXPECT_EQ(GuestMemory::create(0).error().code, lib::Errno::INVAL);
    EXPECT_EQ(GuestMemory::create(65ull << 30).error().code, lib::Errno::INVAL);
}

TEST(MonitorGuestMemory, ReadWriteCopies)
{
    auto memory = GuestMemory::create(2 << 20);
    uint8_t in[4] = { 1, 2, 3, 4 }, out[4] = {};
    ASSERT_FALSE(memory->write(100, in).is_error());
    ASSERT_FALSE(memory->read(100, out).is_error());
    EXPECT_EQ(memcmp(in, out, 4), 0);
    EXPECT_TRUE(memory->write((2 << 20) - 2, in).is_error());
}

TEST(MonitorGuestMemory, FileIsMappedReadOnlyOutsideRam)
{
    auto memory = GuestMemory::create(2 << 20);
    uint64_t base = 4 << 20;
    auto region = memory->map_file_readonly(temp_file_with("image bytes"), base, 11);
    ASSERT_FALSE(region.is_error());
    auto bytes = memory->read_span(base, 11);
    ASSERT_FALSE(bytes.is_error());
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(bytes->data()), 11), "image bytes");
    EXPECT_EQ(memory->span(base, 1).error().code, lib::Errno::FAULT); // not writable
    EXPECT_TRUE(memory->read_span(base + 5, 7).is_error());           // past its end
    EXPECT_TRUE(memory->read_span((2 << 20) - 1, 2).is_error());      // spans two regions
}

TEST(MonitorGuestMemory, FileRegionMustNotOverlapOrMisalign)
{
    auto memory = GuestMemory::create(2 << 20);
    EXPECT_EQ(memory->map_file_readonly(temp_file_with("x"), 1 << 20, 1).error().code, lib::Errno::INVAL);
    EXPECT_EQ(memory->map_file_readonly(temp_file_with("x"), (4 << 20) + 1, 1).error().code, lib::Errno::INVAL);
    EXPECT_EQ(memory->map_file_readonly(temp_file_with("x"), 4 << 20, 0).error().code, lib::Errno::INVAL);
}

} // namespace
