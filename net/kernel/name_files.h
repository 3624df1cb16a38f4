// The files name lookups read, made in the root's tmpfs at boot when the image does not
// have them: /etc/hosts (localhost, as every Linux system has), /etc/passwd and
// /etc/group (root, and the nobody/nogroup servers drop to) and, when the run names a DNS
// server (net.dns=, which `osprey run --net` passes), /etc/resolv.conf. Files the image
// brings (osprey build --add) are left alone.
#pragma once

#include <net/kernel/stack.h>

namespace net {

/// Call once after the root is mounted read-write; logs and goes on if it cannot write.
void provide_name_files(const Ipv4Settings& settings);

} // namespace net
