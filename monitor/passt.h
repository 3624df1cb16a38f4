// The user-mode network of `osprey-monitor --net-user`: passt (https://passt.top, the
// Debian package passt), a process of its own that turns the VM's Ethernet frames into
// the host's ordinary sockets, so no root, tap or bridge is needed. Chosen over a stack of
// our own: it is maintained, used by QEMU and podman, needs no privileges, and takes a
// connected socket (-F) over which it speaks QEMU's stream protocol (frame_link.h).
//
// The network it gives is the one QEMU's user networking gives (include/abi/
// user_network.h): the VM at 10.0.2.15/24, the gateway 10.0.2.2 (passt maps it to the
// host's loopback), DNS queries to 10.0.2.3 forwarded to the host's resolver. Published
// ports are passt's -t/-u forwards. passt runs with --one-off: when the monitor's end
// closes, even on kill -9, passt exits.
#pragma once

#include <abi/user_network.h>
#include <lib/result.h>

#include <cstdint>
#include <memory>
#include <string>
#include <sys/types.h>
#include <vector>

namespace monitor {

using user_network::PublishedPort;

class Passt {
public:
    /// Starts passt on one end of a new socket pair, forwarding `ports`. Errors: NOENT when
    /// passt is not installed (the message says how to install it), or the errno of the
    /// socket pair or the spawn.
    static lib::Result<std::unique_ptr<Passt>> start(const std::vector<PublishedPort>& ports);
    Passt(const Passt&) = delete;
    Passt& operator=(const Passt&) = delete;
    ~Passt(); // closes the link (passt then exits) and reaps it

    /// The monitor's end of the link: a connected stream socket, blocking.
    int link_fd() const { return m_link_fd; }
    /// What passt wrote to its standard error so far (why it exited, if it did).
    std::string messages() const;

    /// passt's arguments for `ports`, after the program name (public for tests).
    static std::vector<std::string> arguments(const std::vector<PublishedPort>& ports, bool as_root);

private:
    Passt(pid_t pid, int link_fd, int messages_fd) : m_pid(pid), m_link_fd(link_fd), m_messages_fd(messages_fd) { }

    pid_t m_pid;
    int m_link_fd;
    int m_messages_fd; // the read end of passt's stderr, non-blocking
};

} // namespace monitor
