// The files name lookups read, made in the root's tmpfs at boot when the image does not
// have them: /etc/hosts (localhost, as every Linux system has), /etc/passwd and
// /etc/group (root, and the nobody/nogroup servers drop to) and, when the run names a DNS
// server (net.dns=, which `osprey run --net` passes), /etc/resolv.conf. Files the image
// brings (osprey build --add) are left alone.
#pragma once

#include <net/kernel/stack.h>

#include <lib/ref_counted.h>

namespace vfs {
class Node;
}

namespace net {

/// Call once after the root is mounted read-write; logs and goes on if it cannot write.
void provide_name_files(const Ipv4Settings& settings);

/// A DHCP lease named name server `dns` (network byte order): /etc/resolv.conf says so, as
/// dhclient writes it on every lease. `made_before` is the file an earlier lease made (or
/// null): that one is rewritten in place; a resolv.conf the image or the program put there
/// is left alone. Returns the file this lease's server is now in (null when left alone),
/// to pass on the next lease. Logs and returns `made_before` when it cannot write.
lib::RefPtr<vfs::Node> write_leased_resolv_conf(uint32_t dns, const lib::RefPtr<vfs::Node>& made_before);

} // namespace net
