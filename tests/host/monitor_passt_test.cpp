// osprey-monitor's user-mode network (monitor/passt.h): its options, passt's command line,
// and, with the real passt (scripts/setup installs it), a host connection to a published
// port arriving in the guest's receive queue as a TCP SYN for 10.0.2.15.
#include "monitor_virtio_driver.h"

#include <monitor/options.h>
#include <monitor/passt.h>
#include <monitor/virtio_devices.h>

#include <algorithm>
#include <arpa/inet.h>
#include <chrono>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace {

using namespace monitor_test;

TEST(MonitorPasst, NetUserOptionsParseAndClash)
{
    auto options = parse_options({ "--kernel", "k", "--image", "i", "--net-user", "--publish", "8080:80", "--publish",
        "127.0.0.1:5353:53/udp" });
    ASSERT_FALSE(options.is_error()) << options.error().message;
    EXPECT_TRUE(options->net_user);
    ASSERT_EQ(options->published.size(), 2u);
    EXPECT_EQ(options->published[0].host_port, 8080);
    EXPECT_EQ(options->published[0].guest_port, 80);
    EXPECT_EQ(options->published[1].host_address, "127.0.0.1");
    EXPECT_TRUE(options->published[1].udp);
    for (std::vector<std::string> bad :
        { std::vector<std::string> { "--kernel", "k", "--image", "i", "--publish", "8080:80" }, // no --net-user
            { "--kernel", "k", "--image", "i", "--net-user", "--net", "tap0" },
            { "--kernel", "k", "--image", "i", "--net-user", "--publish", "80" },
            { "--kernel", "k", "--image", "i", "--net-user", "--publish", "1.2.3:80:80" },
            { "--restore", "f", "--net-user" }, { "--restore", "f", "--mac", "02:4f:53:00:00:2a" } })
        EXPECT_TRUE(parse_options(bad).is_error()) << bad.back();
    // A networked VM can be saved; its restore may move the network (another tap, other
    // published ports: monitor/main.cpp checks them against the snapshot's kind).
    auto saving = parse_options({ "--kernel", "k", "--image", "i", "--net-user", "--snapshot-at", "ready", "f" });
    ASSERT_FALSE(saving.is_error()) << saving.error().message;
    auto restoring = parse_options({ "--restore", "f", "--publish", "8081:80" });
    ASSERT_FALSE(restoring.is_error()) << restoring.error().message;
    ASSERT_EQ(restoring->published.size(), 1u);
    EXPECT_EQ(restoring->published[0].host_port, 8081);
    EXPECT_FALSE(parse_options({ "--restore", "f", "--net", "tap1" }).is_error());
    auto quiet = parse_options({ "--restore", "f", "--no-publish" }); // VMs restored side by side
    ASSERT_FALSE(quiet.is_error()) << quiet.error().message;
    EXPECT_TRUE(quiet->no_publish);
    EXPECT_TRUE(parse_options({ "--restore", "f", "--no-publish", "--publish", "8081:80" }).is_error());
    EXPECT_TRUE(parse_options({ "--kernel", "k", "--image", "i", "--net-user", "--no-publish" }).is_error());
}

TEST(MonitorPasst, MacAddressOption)
{
    auto options = parse_options({ "--kernel", "k", "--image", "i", "--net", "tap0", "--mac", "02:4f:53:00:00:2a" });
    ASSERT_FALSE(options.is_error()) << options.error().message;
    ASSERT_TRUE(options->mac.has_value());
    EXPECT_EQ(*options->mac, (std::array<uint8_t, 6> { 0x02, 0x4f, 0x53, 0x00, 0x00, 0x2a }));
    for (const char* bad : { "02:4f:53:00:00", "02:4f:53:00:00:2a:01", "03:00:00:00:00:01", "zz:00:00:00:00:01", "" })
        EXPECT_TRUE(parse_options({ "--kernel", "k", "--image", "i", "--net", "tap0", "--mac", bad }).is_error())
            << bad;
    EXPECT_TRUE(
        parse_options({ "--kernel", "k", "--image", "i", "--mac", "02:00:00:00:00:01" }).is_error()); // no network
}

TEST(MonitorPasst, CommandLineGivesTheUserNetworkAndForwards)
{
    std::vector<PublishedPort> ports(2);
    ports[0].host_port = 8080, ports[0].guest_port = 80;
    ports[1].host_address = "127.0.0.1", ports[1].host_port = 5353, ports[1].guest_port = 53, ports[1].udp = true;
    std::vector<std::string> args = Passt::arguments(ports, true);
    auto after = [&](const std::string& option) {
        auto at = std::find(args.begin(), args.end(), option);
        return at == args.end() || at + 1 == args.end() ? std::string("<none>") : *(at + 1);
    };
    EXPECT_EQ(after("--address"), "10.0.2.15");
    EXPECT_EQ(after("--netmask"), "24");
    EXPECT_EQ(after("--gateway"), "10.0.2.2");
    EXPECT_EQ(after("--dns-forward"), "10.0.2.3");
    EXPECT_EQ(after("--tcp-ports"), "8080:80");
    EXPECT_EQ(after("--udp-ports"), "127.0.0.1/5353:53");
    EXPECT_EQ(after("--runas"), "65534:65534");
    EXPECT_NE(std::find(args.begin(), args.end(), "--one-off"), args.end());
    args = Passt::arguments({}, false);
    EXPECT_EQ(std::find(args.begin(), args.end(), "--runas"), args.end());
}

uint16_t free_port()
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address {};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    bind(s, reinterpret_cast<sockaddr*>(&address), length);
    getsockname(s, reinterpret_cast<sockaddr*>(&address), &length);
    close(s);
    return ntohs(address.sin_port);
}

TEST(MonitorPasst, HostConnectionReachesTheGuestAsASyn)
{
    VirtioDriver driver;
    Bus bus;
    Options options;
    options.net_user = true;
    options.published.resize(1);
    uint16_t port = free_port();
    options.published[0].host_address = "127.0.0.1";
    options.published[0].host_port = port;
    options.published[0].guest_port = 80;
    VirtioDevices devices;
    ASSERT_EQ(devices.create(options, driver.memory, bus, [](uint32_t) {}), "")
        << "is passt installed (scripts/setup)?";
    const auto& words = devices.kernel_options();
    EXPECT_NE(std::find(words.begin(), words.end(), "net.ip=10.0.2.15/24"), words.end());
    EXPECT_NE(std::find(words.begin(), words.end(), "net.gateway=10.0.2.2"), words.end());
    MmioTransport& transport = devices.transport(0);
    driver.initialise(transport, NetDevice::kFeatureMac);
    driver.descriptor(0, VirtioDriver::kData, 4096, 2 /* device-writable */, 0);
    driver.make_available(0);
    ASSERT_FALSE(driver.notify(transport).is_error());

    // passt binds the port as it starts: try for a while, as a user's client would.
    int client = -1;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        client = socket(AF_INET, SOCK_STREAM, 0); // blocking: on loopback, done or refused at once
        sockaddr_in address {};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (connect(client, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0)
            break;
        close(client);
        client = -1;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_GE(client, 0) << "passt never listened on 127.0.0.1:" << port;
    while (driver.used_idx() == 0 && std::chrono::steady_clock::now() < deadline) {
        pollfd link { devices.net().link->fd(), POLLIN, 0 };
        if (poll(&link, 1, 100) > 0) {
            ASSERT_FALSE(transport.device_event(0).is_error());
        }
        ASSERT_FALSE(devices.net().device->link_failure().has_value()) << devices.net().passt->messages();
    }
    close(client);
    ASSERT_EQ(driver.used_idx(), 1) << "no frame reached the guest; passt said: " << devices.net().passt->messages();
    auto frame = driver.memory.read_span(VirtioDriver::kData + 12, 54).value(); // after virtio_net_hdr
    EXPECT_EQ(frame[12], 0x08);                                                 // IPv4
    EXPECT_EQ(frame[13], 0x00);
    EXPECT_EQ(frame[14 + 9], 6); // TCP
    EXPECT_EQ(std::vector<uint8_t>(frame.begin() + 14 + 16, frame.begin() + 14 + 20),
        (std::vector<uint8_t> { 10, 0, 2, 15 }));
    EXPECT_EQ(frame[34 + 2] << 8 | frame[34 + 3], 80); // to the guest port
    EXPECT_TRUE(frame[34 + 13] & 0x02);                // SYN
}

} // namespace
