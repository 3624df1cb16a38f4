#include "qemu_halt_watch.h"

#include "cli_error.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace tools {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds kAnswerWithin { 1000 };
constexpr uint64_t kInterruptFlag = 1 << 9; // RFLAGS.IF

// Never blocks: a QEMU that stops reading (stopped, or stuck) must not hold up the
// supervisor, which also serves the timeout and the user's Ctrl-C.
bool send_all(int fd, std::string_view text)
{
    while (!text.empty()) {
        ssize_t sent = ::send(fd, text.data(), text.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (sent < 0 && errno == EINTR)
            continue;
        if (sent <= 0)
            return false;
        text.remove_prefix(size_t(sent));
    }
    return true;
}

// The hexadecimal number after `key` in `line`, if there is one.
std::optional<uint64_t> hex_after(std::string_view line, std::string_view key)
{
    size_t at = line.find(key);
    if (at == std::string_view::npos)
        return std::nullopt;
    uint64_t value = 0;
    size_t digits = 0;
    for (size_t i = at + key.size(); i < line.size(); ++i, ++digits) {
        char c = line[i];
        int digit = c >= '0' && c <= '9' ? c - '0'
            : c >= 'a' && c <= 'f'       ? c - 'a' + 10
            : c >= 'A' && c <= 'F'       ? c - 'A' + 10
                                         : -1;
        if (digit < 0)
            break;
        value = value << 4 | uint64_t(digit);
    }
    return digits ? std::optional(value) : std::nullopt;
}

} // namespace

bool every_cpu_halted_with_interrupts_off(std::string_view registers)
{
    size_t cpus = 0;
    while (!registers.empty()) {
        size_t end = registers.find('\n');
        std::string_view line = registers.substr(0, end);
        registers.remove_prefix(end == std::string_view::npos ? registers.size() : end + 1);
        auto halted = hex_after(line, "HLT="); // one line per CPU: "RIP=... RFL=... HLT=1"
        if (!halted)
            continue;
        auto flags = hex_after(line, "RFL=");
        if (!flags)
            flags = hex_after(line, "EFL=");
        if (!flags || *halted != 1 || (*flags & kInterruptFlag))
            return false;
        ++cpus;
    }
    return cpus > 0;
}

std::optional<std::string> qmp_returned_text(std::string_view line)
{
    constexpr std::string_view kKey = "\"return\": \"";
    size_t at = line.find(kKey);
    if (at == std::string_view::npos)
        return std::nullopt;
    std::string text;
    for (size_t i = at + kKey.size(); i < line.size(); ++i) {
        char c = line[i];
        if (c == '"')
            return text;
        if (c != '\\') {
            text += c;
            continue;
        }
        if (++i == line.size())
            break;
        switch (line[i]) {
        case 'n': text += '\n'; break;
        case 'r': text += '\r'; break;
        case 't': text += '\t'; break;
        case 'b': text += '\b'; break;
        case 'f': text += '\f'; break;
        case 'u': // QEMU escapes control characters so; nothing here needs them whole
            text += '?';
            i = std::min(i + 4, line.size() - 1);
            break;
        default: text += line[i]; // \" \\ \/
        }
    }
    return std::nullopt; // the string never ended
}

QemuHaltWatch::QemuHaltWatch()
{
    int ends[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, ends) != 0 || ::fcntl(ends[0], F_SETFD, FD_CLOEXEC) != 0)
        throw CliError(kExitHostFailure, std::string("cannot make QEMU's monitor socket: ") + std::strerror(errno));
    m_cli_end = ends[0];
    m_qemu_end = ends[1];
}

QemuHaltWatch::~QemuHaltWatch()
{
    qemu_started();
    ::close(m_cli_end);
}

void QemuHaltWatch::qemu_started()
{
    if (m_qemu_end >= 0)
        ::close(m_qemu_end);
    m_qemu_end = -1;
}

std::optional<std::string> QemuHaltWatch::next_reply()
{
    auto deadline = Clock::now() + kAnswerWithin;
    for (;;) {
        if (size_t end = m_pending.find('\n'); end != std::string::npos) {
            std::string line = m_pending.substr(0, end);
            m_pending.erase(0, end + 1);
            if (line.find("\"event\"") == std::string::npos) // events come whenever they like
                return line;
            continue;
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        pollfd readable { m_cli_end, POLLIN, 0 };
        if (left.count() <= 0 || ::poll(&readable, 1, int(left.count())) <= 0)
            return std::nullopt;
        char buffer[4096];
        ssize_t got = ::recv(m_cli_end, buffer, sizeof(buffer), MSG_DONTWAIT);
        if (got <= 0 && !(got < 0 && (errno == EINTR || errno == EAGAIN)))
            return std::nullopt; // QEMU closed it
        if (got > 0)
            m_pending.append(buffer, size_t(got));
    }
}

bool QemuHaltWatch::greeted()
{
    // QMP's greeting, then capabilities negotiation (docs/interop/qmp-spec). Either may be
    // late on a busy machine: a look that times out leaves the step where it was, and the
    // next look goes on from there.
    while (m_greeting != Greeting::Done) {
        auto line = next_reply();
        if (!line)
            return false;
        if (m_greeting == Greeting::Awaited && line->find("\"QMP\"") != std::string::npos) {
            if (!send_all(m_cli_end, "{\"execute\": \"qmp_capabilities\"}\n"))
                return m_broken = true, false;
            m_greeting = Greeting::CapabilitiesAsked;
        } else if (m_greeting == Greeting::CapabilitiesAsked && line->find("\"return\"") != std::string::npos) {
            m_greeting = Greeting::Done;
        }
    }
    return true;
}

bool QemuHaltWatch::every_cpu_halted_with_interrupts_off()
{
    qemu_started(); // QEMU has its end by the first look: the CLI's copy goes, so that its end of file shows
    if (m_broken || !greeted())
        return false;
    // Each question carries an id that QMP puts in its reply: a late reply to an earlier
    // question that timed out is passed over.
    std::string id = std::to_string(++m_questions);
    if (!send_all(m_cli_end,
            "{\"execute\": \"human-monitor-command\", \"arguments\": {\"command-line\": \"info registers -a\"}, "
            "\"id\": "
                + id + "}\n"))
        return m_broken = true, false; // a question half sent would garble the next
    while (auto reply = next_reply()) {
        if (reply->find("\"id\": " + id + "}") == std::string::npos
            && reply->find("\"id\": " + id + ",") == std::string::npos)
            continue;
        auto text = qmp_returned_text(*reply);
        return text && tools::every_cpu_halted_with_interrupts_off(*text);
    }
    return false;
}

} // namespace tools
