#include <monitor/cpuid.h>
#include <monitor/options.h>

#include <gtest/gtest.h>

#include <cstring>

namespace {

using namespace monitor;

const kvm_cpuid_entry2* find(const std::vector<kvm_cpuid_entry2>& table, uint32_t function)
{
    for (const auto& e : table)
        if (e.function == function)
            return &e;
    return nullptr;
}

TEST(MonitorCpuid, ApicIdHypervisorBitAndTimingLeaf)
{
    std::vector<kvm_cpuid_entry2> supported(3);
    supported[0].function = 1;
    supported[0].ebx = 0xff123456;
    supported[1].function = 0x40000000;
    supported[1].eax = 0x40000001;
    memcpy(&supported[1].ebx, "KVMKVMKVM\0\0\0", 12);
    supported[2].function = 0xb;
    auto table = vcpu_cpuid(supported, 3, 2500000);
    EXPECT_EQ(find(table, 1)->ebx, 0x03123456u);
    EXPECT_TRUE(find(table, 1)->ecx & (1u << 31));
    EXPECT_EQ(find(table, 0xb)->edx, 3u);
    EXPECT_EQ(find(table, 0x40000000)->eax, 0x40000010u);
    ASSERT_NE(find(table, 0x40000010), nullptr);
    EXPECT_EQ(find(table, 0x40000010)->eax, 2500000u);
}

TEST(MonitorCpuid, NoTscFrequencyNoTimingLeaf)
{
    std::vector<kvm_cpuid_entry2> supported(1);
    supported[0].function = 0;
    auto table = vcpu_cpuid(supported, 0, 0);
    EXPECT_EQ(find(table, 0x40000010), nullptr);
    EXPECT_EQ(table.size(), 1u);
}

TEST(MonitorOptions, ParsesAndRejects)
{
    auto options = parse_options({ "--kernel", "k", "--image", "i", "--memory", "64M", "--cpus", "2", "--trace-boot" });
    ASSERT_FALSE(options.is_error());
    EXPECT_EQ(options->memory_bytes, 64u << 20);
    EXPECT_EQ(options->cpus, 2u);
    EXPECT_TRUE(options->trace_boot);
    EXPECT_EQ(options->timeout_seconds, 0u);
    EXPECT_EQ(parse_options({ "--kernel", "k", "--image", "i", "--timeout", "30" })->timeout_seconds, 30u);
    for (const char* bad : { "-1", "1.5", "", "x", "99999999999" })
        EXPECT_TRUE(parse_options({ "--kernel", "k", "--image", "i", "--timeout", bad }).is_error()) << bad;
    EXPECT_TRUE(parse_options({ "--kernel", "k" }).is_error());
    EXPECT_TRUE(parse_options({ "--kernel", "k", "--image", "i", "--cpus", "0" }).is_error());
    EXPECT_TRUE(parse_options({ "--kernel", "k", "--image", "i", "--bogus", "1" }).is_error());
    EXPECT_TRUE(parse_options({ "--kernel", "k", "--image", "i", "--memory", "12X" }).is_error());
    EXPECT_EQ(parse_size("1G").value(), 1ull << 30);
    EXPECT_TRUE(parse_size("99999999999999999G").is_error());
}

} // namespace

#include <monitor/kernel_cmdline.h>

namespace {

TEST(MonitorCmdline, OptionsGoBeforeTheSeparator)
{
    using monitor::insert_kernel_options;
    std::vector<std::string> words { "virtio_mmio.device=0x200@0xd0000000:5" };
    EXPECT_EQ(insert_kernel_options("log=debug -- /app/hello x", words),
        "log=debug virtio_mmio.device=0x200@0xd0000000:5 -- /app/hello x");
    EXPECT_EQ(insert_kernel_options("-- /app/a", words), "virtio_mmio.device=0x200@0xd0000000:5 -- /app/a");
    // Where the kernel splits: a quoted "--" inside a word is not a word; an escaped one
    // is "--" once the escape is removed, so it is the separator.
    EXPECT_EQ(insert_kernel_options("env=A=\"x -- y\" \\-- -- p", words),
        "env=A=\"x -- y\" virtio_mmio.device=0x200@0xd0000000:5 \\-- -- p");
    EXPECT_EQ(insert_kernel_options("a \"--\" b", words), "a virtio_mmio.device=0x200@0xd0000000:5 \"--\" b");
    // A line the kernel will refuse (an unterminated quote): the options go at the end.
    EXPECT_EQ(insert_kernel_options("a \"-- b", words), "a \"-- b virtio_mmio.device=0x200@0xd0000000:5");
    EXPECT_EQ(insert_kernel_options("log=info", words), "log=info virtio_mmio.device=0x200@0xd0000000:5");
    EXPECT_EQ(insert_kernel_options("", words), "virtio_mmio.device=0x200@0xd0000000:5");
    EXPECT_EQ(insert_kernel_options("a -- b", {}), "a -- b");
    EXPECT_EQ(monitor::virtio_mmio_option(0x200, 0xd0001000, 6), "virtio_mmio.device=0x200@0xd0001000:6");
}

TEST(MonitorCmdline, GuestAddressOnlyAmongTheKernelOptions)
{
    using monitor::names_guest_address;
    EXPECT_TRUE(names_guest_address("net.ip=dhcp -- /app/a"));
    EXPECT_TRUE(names_guest_address("log=info net.ip=192.168.7.2/24 net.gateway=192.168.7.1 -- /app/a"));
    EXPECT_FALSE(names_guest_address("-- /app/a net.ip=1.2.3.4/8")); // the program's argument
    EXPECT_FALSE(names_guest_address("env=X=net.ip=1 -- /app/a"));   // a variable's value
    EXPECT_FALSE(names_guest_address("net.dns=9.9.9.9 -- /app/a"));
    EXPECT_FALSE(names_guest_address("a \"-- b net.ip=dhcp")); // malformed
}

} // namespace
