#include <net/kernel/stack.h>
#include <net/kernel/name_files.h>
#include <net/kernel/unix_socket.h>

#include <drivers/virtio/kernel/net.h>
#include <kernel/arch/x86_64/tsc.h>
#include <kernel/console/log.h>
#include <sched/futex.h>
#include <sched/scheduler.h>
#include <vfs/node.h>

#include <lwip/dhcp.h>
#include <lwip/dns.h>
#include <lwip/etharp.h>
#include <lwip/ethip6.h>
#include <lwip/init.h>
#include <lwip/netif.h>
#include <lwip/priv/tcp_priv.h>
#include <lwip/timeouts.h>
#include <netif/ethernet.h>

#include <pthread.h>

namespace net {

namespace {

// Frames taken from the device per round before timers and loopback get a turn.
constexpr size_t kReceiveBudget = 64;
constexpr uint64_t kAwake = UINT64_MAX; // sleeping_until while the thread is not asleep

// The stack's state; every field is guarded by the big kernel lock except `wake`, a futex
// word bumped by interrupts and system calls.
struct Stack {
    Ipv4Settings settings;
    bool lwip_ready = false; // lwIP and the interfaces are up
    bool started = false;    // and the thread runs
    virtio::NetDevice* device = nullptr;
    struct netif ethernet = {};
    uint32_t wake = 0;
    uint64_t sleeping_until = kAwake;    // monotonic ns; 0: no deadline
    bool dns_from_boot_line = false;     // net.dns= given: a lease's name server does not replace it
    LeasedResolvConf leased_resolv_conf; // the /etc/resolv.conf a lease made, rewritten by the next
    UnixNames unix_names;
};

Stack& stack()
{
    static Stack state;
    return state;
}

} // namespace

UnixNames& unix_names() { return stack().unix_names; }

namespace {

void wake_thread(Stack& s)
{
    __atomic_fetch_add(&s.wake, 1, __ATOMIC_RELEASE);
    sched::futex_wake(&s.wake, 1, sched::kFutexBitsetMatchAny);
}

void on_device_interrupt(void* context) { wake_thread(*static_cast<Stack*>(context)); }

void copy_frame_out(void* context, uint8_t* out, size_t length)
{
    pbuf_copy_partial(static_cast<const pbuf*>(context), out, u16_t(length), 0);
}

err_t link_output(struct netif* netif, struct pbuf* frame)
{
    auto& s = *static_cast<Stack*>(netif->state);
    auto sent = s.device->transmit(frame->tot_len, copy_frame_out, frame);
    if (sent.is_error())
        return sent.error().code == lib::Errno::AGAIN ? ERR_MEM : ERR_IF; // dropped: TCP sends it again
    return ERR_OK;
}

err_t ethernet_init(struct netif* netif)
{
    auto& s = *static_cast<Stack*>(netif->state);
    netif->name[0] = 'e';
    netif->name[1] = 'n';
    netif->hwaddr_len = ETH_HWADDR_LEN;
    memcpy(netif->hwaddr, s.device->mac(), ETH_HWADDR_LEN);
    netif->mtu = 1500;
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_MLD6;
    netif->output = etharp_output;
    netif->output_ip6 = ethip6_output;
    netif->linkoutput = link_output;
    return ERR_OK;
}

void deliver_frame(void* context, const uint8_t* frame, size_t length)
{
    auto& s = *static_cast<Stack*>(context);
    struct pbuf* packet = pbuf_alloc(PBUF_RAW, u16_t(length), PBUF_POOL);
    if (!packet)
        return; // out of memory: dropped, as a NIC with no buffer would
    pbuf_take(packet, frame, u16_t(length));
    if (s.ethernet.input(packet, &s.ethernet) != ERR_OK)
        pbuf_free(packet);
}

/// Takes what lwIP's DHCP client holds into the settings: a lease given, changed at a
/// renewal, or lost when it ran out. A new lease is logged, and /etc/resolv.conf follows
/// its name server as dhclient keeps it (unless the image brought one, or net.dns= named
/// the server). Runs from the interface's status callback (the address changed) and after
/// every round of lwIP's timers (a renewal may change only the name server, which lwIP
/// reports to nobody). Runs in lwIP's context, the big kernel lock held.
void follow_lease(Stack& s)
{
    struct netif* netif = &s.ethernet;
    if (!dhcp_supplied_address(netif)) {
        if (s.settings.address)
            klog::warn(klog::Subsystem::Net, "en0: the DHCP lease ended; no IPv4 address until a new one");
        s.settings.address = s.settings.netmask = s.settings.gateway = 0;
        return;
    }
    const ip4_addr_t* address = netif_ip4_addr(netif);
    const ip4_addr_t* gateway = netif_ip4_gw(netif);
    uint32_t leased_dns = ip4_addr_get_u32(ip_2_ip4(dns_getserver(0)));               // lwIP keeps the lease's there
    uint32_t dns = leased_dns && !s.dns_from_boot_line ? leased_dns : s.settings.dns; // net.dns= wins
    if (ip4_addr_get_u32(address) == s.settings.address && ip4_addr_get_u32(gateway) == s.settings.gateway
        && ip4_addr_get_u32(netif_ip4_netmask(netif)) == s.settings.netmask && dns == s.settings.dns)
        return; // a renewal that changed nothing
    s.settings.address = ip4_addr_get_u32(address);
    s.settings.netmask = ip4_addr_get_u32(netif_ip4_netmask(netif));
    s.settings.prefix_length = unsigned(__builtin_popcount(s.settings.netmask));
    s.settings.gateway = ip4_addr_get_u32(gateway);
    bool new_server = dns != s.settings.dns;
    s.settings.dns = dns;
    const auto* b = reinterpret_cast<const uint8_t*>(&s.settings.dns);
    klog::info(klog::Subsystem::Net, "en0: DHCP lease {}.{}.{}.{}/{} gateway {}.{}.{}.{} name server {}.{}.{}.{}",
        ip4_addr1(address), ip4_addr2(address), ip4_addr3(address), ip4_addr4(address), s.settings.prefix_length,
        ip4_addr1(gateway), ip4_addr2(gateway), ip4_addr3(gateway), ip4_addr4(gateway), b[0], b[1], b[2], b[3]);
    if (new_server && dns && !s.dns_from_boot_line)
        write_leased_resolv_conf(dns, s.leased_resolv_conf);
}

void on_address_change(struct netif* netif) { follow_lease(*static_cast<Stack*>(netif->state)); }

void add_ethernet(Stack& s)
{
    s.device = virtio::network_device();
    if (!s.device)
        return;
    ip4_addr_t address, netmask, gateway; // all zero under DHCP until the lease
    ip4_addr_set_u32(&address, s.settings.dhcp ? 0 : s.settings.address);
    ip4_addr_set_u32(&netmask, s.settings.dhcp ? 0 : s.settings.netmask);
    ip4_addr_set_u32(&gateway, s.settings.dhcp ? 0 : s.settings.gateway);
    if (!netif_add(&s.ethernet, &address, &netmask, &gateway, &s, ethernet_init, ethernet_input)) {
        klog::warn(klog::Subsystem::Net, "cannot add the Ethernet interface; only loopback works");
        s.device = nullptr;
        return;
    }
    netif_create_ip6_linklocal_address(&s.ethernet, 1);
    netif_set_ip6_autoconfig_enabled(&s.ethernet, 1);
    netif_set_default(&s.ethernet);
    netif_set_up(&s.ethernet);
    netif_set_link_up(&s.ethernet);
    if (virtio::DeviceInterrupt* interrupt = s.device->interrupt()) {
        interrupt->set_listener(on_device_interrupt, &s);
        (void)interrupt->ready(); // routes the line (or falls back to the 10 ms look below)
    }
    if (s.settings.dhcp) {
        netif_set_status_callback(&s.ethernet, on_address_change);
        if (dhcp_start(&s.ethernet) != ERR_OK)
            klog::warn(klog::Subsystem::Net, "en0: cannot start the DHCP client; no IPv4 address");
        else
            klog::info(klog::Subsystem::Net, "en0: asking for a DHCP lease");
        return;
    }
    klog::info(klog::Subsystem::Net, "en0: {}.{}.{}.{}/{} gateway {}.{}.{}.{}", ip4_addr1(&address),
        ip4_addr2(&address), ip4_addr3(&address), ip4_addr4(&address), s.settings.prefix_length, ip4_addr1(&gateway),
        ip4_addr2(&gateway), ip4_addr3(&gateway), ip4_addr4(&gateway));
}

// One round: frames from the device, due timers, looped-back packets. Whether frames are
// left (the budget ran out).
bool run_once(Stack& s)
{
    bool more = false;
    if (s.device) {
        auto received = s.device->receive(deliver_frame, &s, kReceiveBudget);
        if (received.is_error()) {
            klog::warn(klog::Subsystem::Net, "virtio-net: {}; the interface is down", received.error().message);
            netif_set_link_down(&s.ethernet);
            s.device = nullptr;
        } else {
            more = received.value() == kReceiveBudget;
        }
    }
    sys_check_timeouts();
    if (s.device && s.settings.dhcp)
        follow_lease(s);
    netif_poll_all();
    return more;
}

// Without a routed interrupt the device is looked at this often.
constexpr uint64_t kPollWithoutInterruptNs = 10'000'000;

void* network_thread(void* context)
{
    auto& s = *static_cast<Stack*>(context);
    sched::become_kernel_service("net");
    sched::KernelSection section; // held except while the thread sleeps
    for (;;) {
        uint32_t seen = __atomic_load_n(&s.wake, __ATOMIC_ACQUIRE);
        if (run_once(s))
            continue;
        uint64_t now = arch::monotonic_ns();
        uint32_t sleep_ms = sys_timeouts_sleeptime();
        uint64_t deadline = sleep_ms == SYS_TIMEOUTS_SLEEPTIME_INFINITE ? 0 : now + uint64_t(sleep_ms) * 1'000'000;
        bool polled = s.device && !(s.device->interrupt() && s.device->interrupt()->ready());
        if (polled && (deadline == 0 || deadline > now + kPollWithoutInterruptNs))
            deadline = now + kPollWithoutInterruptNs;
        s.sleeping_until = deadline;
        (void)sched::futex_wait(&s.wake, seen, sched::kFutexBitsetMatchAny, deadline); // releases the big lock
        s.sleeping_until = kAwake;
    }
}

// Whether every TCP connection has had its data and FIN acknowledged (a connection still
// opening or one that was reset has nothing queued), and the device sent every frame.
bool delivered(Stack& s)
{
    for (const tcp_pcb* pcb = tcp_active_pcbs; pcb; pcb = pcb->next) {
        if (pcb->unsent || pcb->unacked)
            return false;
    }
    if (!s.device)
        return true;
    auto transmitting = s.device->transmitting();
    return transmitting.is_error() || !transmitting.value();
}

// How often the end of the program looks again whether the network has delivered.
constexpr uint64_t kDeliveryPollNs = 1'000'000;

/// Gives the DHCP lease back (DHCPRELEASE, RFC 2131 §4.4.6), so that the server may lease
/// the address to the next VM at once. The release goes straight to the server: its
/// Ethernet address is looked up first (at most kReleaseArpWaitNs), or the frame would
/// still wait for the ARP answer when the VM stops.
void release_lease(Stack& s, uint64_t deadline_ns)
{
    constexpr uint64_t kReleaseArpWaitNs = 100'000'000;
    const dhcp* lease = netif_dhcp_data(&s.ethernet);
    const ip4_addr_t* server = ip_2_ip4(&lease->server_ip_addr);
    struct eth_addr* ethernet;
    const ip4_addr_t* address;
    if (etharp_find_addr(&s.ethernet, server, &ethernet, &address) < 0) {
        (void)etharp_query(&s.ethernet, server, nullptr);
        uint64_t until = arch::monotonic_ns() + kReleaseArpWaitNs;
        until = until < deadline_ns ? until : deadline_ns;
        while (etharp_find_addr(&s.ethernet, server, &ethernet, &address) < 0 && arch::monotonic_ns() < until)
            (void)sched::sleep_until(arch::monotonic_ns() + kDeliveryPollNs, false); // the network thread answers
    }
    s.settings.address = s.settings.netmask = s.settings.gateway = 0; // given back, not lost: no warning
    dhcp_release_and_stop(&s.ethernet);
}

} // namespace

void deliver_before_exit(uint64_t deadline_ns)
{
    Stack& s = stack();
    if (!s.started)
        return;
    if (s.device && s.settings.dhcp && dhcp_supplied_address(&s.ethernet))
        release_lease(s, deadline_ns);
    after_lwip_calls(); // what closing the sockets queued goes out now
    for (uint64_t now = arch::monotonic_ns(); !delivered(s) && now < deadline_ns; now = arch::monotonic_ns()) {
        uint64_t wake = now + kDeliveryPollNs < deadline_ns ? now + kDeliveryPollNs : deadline_ns;
        (void)sched::sleep_until(wake, false); // releases the big lock: the network thread runs
    }
}

lib::Result<Ipv4Settings> lease_address(uint64_t deadline_ns)
{
    Stack& s = stack();
    if (!virtio::network_device())
        return lib::Error(lib::Errno::NODEV, "no network device to ask a DHCP server through");
    TRY(ensure_started()); // on_address_change takes the lease when it comes
    constexpr uint64_t kLookEveryNs = 5'000'000;
    while (!dhcp_supplied_address(&s.ethernet)) {
        uint64_t now = arch::monotonic_ns();
        if (!s.device)
            return lib::Error(lib::Errno::NODEV, "the network device failed");
        if (now >= deadline_ns)
            return lib::Error(lib::Errno::TIMEDOUT, "no DHCP server answered");
        (void)sched::sleep_until(now + kLookEveryNs < deadline_ns ? now + kLookEveryNs : deadline_ns, false);
    }
    return s.settings;
}

lib::Result<uint32_t> parse_ipv4(std::string_view text)
{
    uint32_t parts[4] = {};
    size_t part = 0, digits = 0;
    for (char c : text) {
        if (c == '.') {
            if (digits == 0 || ++part == 4)
                return lib::Error(lib::Errno::INVAL, "want an IPv4 address A.B.C.D");
            digits = 0;
        } else if (c >= '0' && c <= '9' && digits < 3) {
            parts[part] = parts[part] * 10 + uint32_t(c - '0');
            ++digits;
        } else {
            return lib::Error(lib::Errno::INVAL, "want an IPv4 address A.B.C.D");
        }
    }
    if (part != 3 || digits == 0 || parts[0] > 255 || parts[1] > 255 || parts[2] > 255 || parts[3] > 255)
        return lib::Error(lib::Errno::INVAL, "want an IPv4 address A.B.C.D");
    return lwip_htonl(parts[0] << 24 | parts[1] << 16 | parts[2] << 8 | parts[3]);
}

lib::Result<void> parse_ipv4_with_prefix(std::string_view text, Ipv4Settings& settings)
{
    size_t slash = text.find('/');
    unsigned prefix = 24;
    if (slash != std::string_view::npos) {
        std::string_view digits = text.substr(slash + 1);
        if (digits.empty() || digits.size() > 2)
            return lib::Error(lib::Errno::INVAL, "want a prefix length 0-32 after the '/'");
        prefix = 0;
        for (char c : digits) {
            if (c < '0' || c > '9')
                return lib::Error(lib::Errno::INVAL, "want a prefix length 0-32 after the '/'");
            prefix = prefix * 10 + unsigned(c - '0');
        }
        if (prefix > 32)
            return lib::Error(lib::Errno::INVAL, "want a prefix length 0-32 after the '/'");
        text = text.substr(0, slash);
    }
    settings.address = TRY(parse_ipv4(text));
    settings.netmask = prefix == 0 ? 0 : lwip_htonl(~uint32_t(0) << (32 - prefix));
    settings.prefix_length = prefix;
    return {};
}

void configure(const Ipv4Settings& settings)
{
    stack().settings = settings;
    stack().dns_from_boot_line = settings.dns != 0;
}

lib::Result<void> ensure_started()
{
    Stack& s = stack();
    if (s.started)
        return {};
    if (!s.lwip_ready) {
        lwip_init(); // adds the loopback interface
        add_ethernet(s);
        s.lwip_ready = true;
    }
    pthread_t thread;
    if (int error = pthread_create(&thread, nullptr, network_thread, &s); error != 0)
        return lib::Error(error == ENOMEM ? lib::Errno::NOMEM : lib::Errno::AGAIN, "cannot start the network thread");
    pthread_detach(thread);
    s.started = true;
    return {};
}

void after_lwip_calls()
{
    Stack& s = stack();
    if (!s.started)
        return;
    netif_poll_all();
    uint64_t sleeping_until = s.sleeping_until;
    if (sleeping_until == kAwake)
        return;
    uint32_t sleep_ms = sys_timeouts_sleeptime();
    if (sleep_ms == SYS_TIMEOUTS_SLEEPTIME_INFINITE)
        return;
    uint64_t due = arch::monotonic_ns() + uint64_t(sleep_ms) * 1'000'000;
    if (sleeping_until == 0 || due < sleeping_until)
        wake_thread(s);
}

} // namespace net
