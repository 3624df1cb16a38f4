// The files host name lookups read, made in the root's tmpfs at boot when the image does
// not have them: /etc/hosts (localhost, as every Linux system has) and, when the run names
// a DNS server (net.dns=, which `osprey run --net` passes), /etc/resolv.conf. Files the
// image brings (osprey build --add) are left alone. (/etc/passwd and /etc/group: the
// program's user, kernel/boot/program_user.h.)
#pragma once

#include <net/kernel/stack.h>

#include <lib/ref_counted.h>
#include <vfs/node.h>

namespace net {

/// Call once after the root is mounted, before it is made read-only; logs and goes on if it
/// cannot write.
void provide_name_files(const Ipv4Settings& settings);

/// The /etc/resolv.conf a lease wrote, and when: a later lease rewrites it only while it
/// is still that file, unchanged since.
struct LeasedResolvConf {
    lib::RefPtr<vfs::Node> file; // null: none written (or it is no longer ours)
    vfs::Timestamp written;
};

/// A DHCP lease named name server `dns` (network byte order): /etc/resolv.conf says so, as
/// dhclient writes it on every lease. The file an earlier lease wrote (`leased`) is
/// rewritten in place; a resolv.conf the image or the program put there, or the program
/// changed since, is left alone (and `leased` forgets it). Logs and leaves `leased` as it
/// was when it cannot write.
void write_leased_resolv_conf(uint32_t dns, LeasedResolvConf& leased);

} // namespace net
