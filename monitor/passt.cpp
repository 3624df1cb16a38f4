#include "passt.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace monitor {

namespace {

namespace net = user_network;

constexpr int kChildLinkFd = 3; // where passt finds its end of the link (-F 3)

std::string forward_spec(const PublishedPort& port)
{
    std::string spec = port.host_address.empty() ? "" : port.host_address + "/";
    return spec + std::to_string(port.host_port) + ":" + std::to_string(port.guest_port);
}

} // namespace

std::vector<std::string> Passt::arguments(const std::vector<PublishedPort>& ports, bool as_root)
{
    std::vector<std::string> args {
        "--foreground",
        "--quiet",
        "--one-off",
        "--ipv4-only",
        "--fd",
        std::to_string(kChildLinkFd),
        "--address",
        net::kGuestAddress,
        "--netmask",
        std::to_string(net::kGuestPrefixLength),
        "--gateway",
        net::kGatewayAddress,
        "--dns-forward",
        net::kNameServerAddress,
        // Its own MAC, rather than the host interface's: a host whose default route is on
        // an interface without one (loopback, a tunnel) is otherwise "not usable".
        "--mac-addr",
        "02:4f:53:50:52:fe",
    };
    // passt will not keep root: left to itself it looks up "nobody", which a minimal
    // system (the nested harness's initramfs) has no passwd entry for.
    if (as_root)
        args.insert(args.end(), { "--runas", "65534:65534" });
    for (const PublishedPort& port : ports)
        args.insert(args.end(), { port.udp ? "--udp-ports" : "--tcp-ports", forward_spec(port) });
    return args;
}

lib::Result<std::unique_ptr<Passt>> Passt::start(const std::vector<PublishedPort>& ports)
{
    int link[2], messages[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, link) != 0)
        return lib::Error(lib::Errno(errno), "cannot make the socket pair for passt");
    if (pipe2(messages, O_CLOEXEC) != 0) {
        int error = errno;
        close(link[0]), close(link[1]);
        return lib::Error(lib::Errno(error), "cannot make the pipe for passt's messages");
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, messages[1], STDERR_FILENO);
    posix_spawn_file_actions_adddup2(&actions, link[1], kChildLinkFd); // dup2 clears CLOEXEC
    std::vector<std::string> args = arguments(ports, geteuid() == 0);
    std::vector<char*> argv { const_cast<char*>("passt") };
    for (std::string& arg : args)
        argv.push_back(arg.data());
    argv.push_back(nullptr);
    pid_t pid = -1;
    int spawned = posix_spawnp(&pid, "passt", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(link[1]), close(messages[1]);
    if (spawned != 0) {
        close(link[0]), close(messages[0]);
        if (spawned == ENOENT)
            return lib::Error(
                lib::Errno::NOENT, "passt, the user-mode network, is not on $PATH (Debian: apt-get install passt)");
        return lib::Error(lib::Errno(spawned), "cannot start passt");
    }
    fcntl(messages[0], F_SETFL, O_NONBLOCK);
    return std::unique_ptr<Passt>(new Passt(pid, link[0], messages[0]));
}

Passt::~Passt()
{
    close(m_link_fd);     // --one-off: passt ends with its client
    kill(m_pid, SIGTERM); // and at once, in case it is still setting up
    while (waitpid(m_pid, nullptr, 0) < 0 && errno == EINTR) { }
    close(m_messages_fd);
}

std::string Passt::messages() const
{
    std::string text;
    char buffer[4096];
    ssize_t n;
    while ((n = read(m_messages_fd, buffer, sizeof buffer)) > 0)
        text.append(buffer, size_t(n));
    // Lines passt writes when no system logger listens carry nothing for the user.
    std::string kept;
    for (size_t start = 0; start < text.size();) {
        size_t end = text.find('\n', start);
        std::string line = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
        start = end == std::string::npos ? text.size() : end + 1;
        if (!line.empty() && line.find("to syslog") == std::string::npos)
            kept += (kept.empty() ? "" : "; ") + line;
    }
    return kept;
}

} // namespace monitor
