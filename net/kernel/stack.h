// The network stack: lwIP with its interfaces (loopback, and Ethernet over the virtio-net
// device when the VM has one) and the kernel thread that runs it.
//
// Who runs lwIP: every call into it holds the big kernel lock, so lwIP needs no lock of
// its own. Frames the device receives and lwIP's timers are handled by the network thread
// ("net"), which sleeps on one futex word until the device interrupts, the next lwIP
// timer is due, or a system call asks it to look again. Packets a program sends to itself
// (127.0.0.1, ::1, or its own address) are delivered by the calling thread right after its
// call into lwIP (after_lwip_calls), as Linux delivers loopback traffic on the sending CPU.
//
// The stack starts on first use (the first socket), so programs that never touch the
// network pay nothing at boot.
#pragma once

#include <lib/result.h>

#include <cstdint>
#include <string_view>

namespace net {

/// The Ethernet interface's IPv4 settings, from the boot line (net.ip=ADDRESS/PREFIX,
/// net.gateway=ADDRESS; `osprey run` passes QEMU user networking's), or from a DHCP server
/// (net.ip=dhcp). Addresses in network byte order; a zero address: none configured.
struct Ipv4Settings {
    uint32_t address = 0;
    uint32_t netmask = 0;
    uint32_t gateway = 0;
    unsigned prefix_length = 0;
    uint32_t dns = 0;  // net.dns=: the name server /etc/resolv.conf names
    bool dhcp = false; // net.ip=dhcp: address, gateway and name server come from a lease
};

/// Parses "A.B.C.D/PREFIX" (PREFIX 0-32, default 24) into `settings`. Errors: INVAL.
lib::Result<void> parse_ipv4_with_prefix(std::string_view text, Ipv4Settings& settings);
/// Parses "A.B.C.D" into a network-order address. Errors: INVAL.
lib::Result<uint32_t> parse_ipv4(std::string_view text);

/// Records the settings the Ethernet interface gets when the stack starts (boot).
void configure(const Ipv4Settings& settings);

/// With net.ip=dhcp and a network device: starts the stack and waits until a DHCP server
/// has leased the Ethernet interface an address, or until `deadline_ns` (monotonic).
/// Every lease, now or later (lwIP's client renews it and asks again after losing it), is
/// logged and taken into the settings, and /etc/resolv.conf names its name server (as
/// dhclient keeps it) unless the image brought one or net.dns= named the server. Returns the settings in force. Call at
/// boot with the big kernel lock held; it is released while waiting. Errors: TIMEDOUT (no lease yet), NODEV (no network
/// device, or it failed), and ensure_started's.
lib::Result<Ipv4Settings> lease_address(uint64_t deadline_ns);

/// Starts the stack if it is not running: lwIP, the interfaces, the network thread. Call
/// with the big kernel lock held. Errors: those of creating the thread (AGAIN, NOMEM).
lib::Result<void> ensure_started();

/// The end of the program (exit_group), after its files were closed: waits until the
/// network has delivered what the program sent, or until `deadline_ns` (monotonic): every
/// TCP connection's data and FIN acknowledged by the peer, every frame taken by the device.
/// Linux's kernel goes on delivering after a process exits; here the VM stops with the
/// program, so without this the last reply of a server that answers and exits could be
/// lost. A DHCP lease is released first (DHCPRELEASE), so the server may give the address
/// to the next VM at once. Returns at once when the stack never started. Call with the big
/// kernel lock held.
void deliver_before_exit(uint64_t deadline_ns);

class UnixNames;
/// The VM's AF_UNIX abstract namespace (unix_socket.h), which the network owns as Linux's
/// network namespace does. Guarded by the big kernel lock; lwIP need not be started.
UnixNames& unix_names();

/// Call after a system call's calls into lwIP: delivers looped-back packets, and wakes the
/// network thread if lwIP now wants a timer sooner than the thread sleeps.
void after_lwip_calls();

} // namespace net
