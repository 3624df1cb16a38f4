// Child process supervision with blocked signals and sigtimedwait(2): no signal handlers,
// no polling loop, and the timeout and the user's interrupts handled in one place.
#include "qemu_runner.h"

#include "cli_error.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <optional>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <termios.h>
#include <unistd.h>

extern char** environ;

namespace tools {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::chrono::seconds kKillGrace { 5 };
constexpr std::chrono::seconds kHaltWatchPeriod { 1 }; // as osprey-monitor's halt watch

// Saves the terminal settings of stdin (QEMU's stdio chardev changes them) and puts
// them back when destroyed, even if QEMU had to be killed.
class TerminalGuard {
public:
    TerminalGuard()
    {
        if (::isatty(STDIN_FILENO) && ::tcgetattr(STDIN_FILENO, &m_saved) == 0)
            m_valid = true;
    }
    ~TerminalGuard()
    {
        if (m_valid)
            ::tcsetattr(STDIN_FILENO, TCSANOW, &m_saved);
    }

private:
    termios m_saved {};
    bool m_valid = false;
};

// Blocks the signals we wait for; restores the previous mask when destroyed.
class SignalBlock {
public:
    SignalBlock()
    {
        sigemptyset(&m_set);
        for (int signal : { SIGCHLD, SIGINT, SIGTERM, SIGHUP })
            sigaddset(&m_set, signal);
        ::pthread_sigmask(SIG_BLOCK, &m_set, &m_previous);
    }
    ~SignalBlock() { ::pthread_sigmask(SIG_SETMASK, &m_previous, nullptr); }
    const sigset_t& waited() const { return m_set; }
    const sigset_t& previous() const { return m_previous; }

private:
    sigset_t m_set;
    sigset_t m_previous;
};

// Copies our stdin to `socket`, escaped for the kernel (console_input=escaped): first the
// start pair 0xff 0x01, then each 0xff byte twice, and at our end of input 0xff 0x00. Runs on its own thread,
// detached: it may stay blocked reading our stdin after QEMU is gone, and the CLI exits
// regardless.
void relay_input(int socket)
{
    char in[4096], out[2 * sizeof(in)];
    // The start pair: its first byte may be lost to the kernel's UART set-up.
    if (::send(socket, "\xff\x01", 2, MSG_NOSIGNAL) != 2)
        return;
    for (;;) {
        ssize_t n = ::read(STDIN_FILENO, in, sizeof(in));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        size_t length = 0;
        for (ssize_t i = 0; i < n; ++i) {
            out[length++] = in[i];
            if (in[i] == '\xff')
                out[length++] = '\xff';
        }
        for (size_t sent = 0; sent < length;) {
            ssize_t w = ::send(socket, out + sent, length - sent, MSG_NOSIGNAL);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                return ::close(socket), void(); // QEMU is gone
            sent += size_t(w);
        }
    }
    (void)::send(socket, "\xff\x00", 2, MSG_NOSIGNAL);
    // The socket stays open until the CLI exits: QEMU goes on reading it.
}

/// Starts the hypervisor with our signal mask as it was before SignalBlock, `child_stdin`
/// (if any) as its stdin, and SIGKILL as its parent-death signal: if the CLI dies, even by
/// kill -9, the VM goes with it instead of spinning on alone. fork + execve, since
/// posix_spawn cannot set PR_SET_PDEATHSIG; the child makes only async-signal-safe calls,
/// and an exec failure comes back through a close-on-exec pipe.
pid_t spawn(const std::vector<std::string>& arguments, const SignalBlock& signals, int child_stdin)
{
    std::vector<char*> argv;
    for (const std::string& argument : arguments)
        argv.push_back(const_cast<char*>(argument.c_str()));
    argv.push_back(nullptr);
    int report[2];
    if (::pipe2(report, O_CLOEXEC) != 0)
        throw CliError(kExitHostFailure, std::string("cannot start ") + argv[0] + ": pipe: " + std::strerror(errno));
    pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid == 0) {
        if (::prctl(PR_SET_PDEATHSIG, SIGKILL) == 0 && ::getppid() == parent // else the CLI is gone
            && (child_stdin < 0 || ::dup2(child_stdin, STDIN_FILENO) == STDIN_FILENO)
            && ::sigprocmask(SIG_SETMASK, &signals.previous(), nullptr) == 0)
            ::execve(argv[0], argv.data(), environ);
        int error = errno;
        (void)!::write(report[1], &error, sizeof(error));
        ::_exit(127);
    }
    int fork_error = errno;
    ::close(report[1]);
    if (pid < 0) {
        ::close(report[0]);
        throw CliError(kExitHostFailure, "cannot start " + arguments[0] + ": " + std::strerror(fork_error));
    }
    int exec_error = 0;
    ssize_t got;
    do
        got = ::read(report[0], &exec_error, sizeof(exec_error));
    while (got < 0 && errno == EINTR);
    ::close(report[0]);
    if (got == sizeof(exec_error)) {
        ::waitpid(pid, nullptr, 0);
        throw CliError(kExitHostFailure, "cannot start " + arguments[0] + ": " + std::strerror(exec_error));
    }
    return pid;
}

class Supervisor {
public:
    Supervisor(pid_t pid, std::chrono::seconds timeout, HaltedForGood halted) : m_pid(pid), m_halted(std::move(halted))
    {
        if (timeout.count() > 0)
            m_deadline = Clock::now() + timeout;
        if (m_halted)
            m_next_look = Clock::now() + kHaltWatchPeriod;
    }

    ProcessOutcome wait(const sigset_t& waited)
    {
        while (true) {
            if (auto status = reap())
                return outcome(*status);
            int signal = wait_signal(waited);
            if (signal == SIGINT || signal == SIGTERM || signal == SIGHUP) {
                m_result.end = ProcessOutcome::End::Interrupted;
                m_result.interrupt_signal = signal;
                stop();
            } else if (signal < 0) {
                on_deadline();
            }
        }
    }

private:
    std::optional<int> reap()
    {
        int status = 0;
        pid_t pid = ::waitpid(m_pid, &status, WNOHANG);
        if (pid == m_pid)
            return status;
        if (pid < 0 && errno != EINTR)
            throw CliError(kExitHostFailure, std::string("waiting for QEMU failed: ") + std::strerror(errno));
        return std::nullopt;
    }

    // The next waited signal, or -1 when the nearest deadline passes first.
    int wait_signal(const sigset_t& waited)
    {
        std::optional<Clock::time_point> next = m_kill_at ? m_kill_at : m_deadline;
        if (!m_kill_at && m_next_look && (!next || *m_next_look < *next))
            next = m_next_look;
        if (!next)
            return ::sigwaitinfo(&waited, nullptr);
        auto left = std::max(*next - Clock::now(), Clock::duration::zero());
        auto seconds = std::chrono::duration_cast<std::chrono::seconds>(left);
        timespec wait { static_cast<time_t>(seconds.count()),
            static_cast<long>(std::chrono::duration_cast<std::chrono::nanoseconds>(left - seconds).count()) };
        int signal = ::sigtimedwait(&waited, nullptr, &wait);
        return signal < 0 && errno == EAGAIN ? -1 : signal < 0 ? 0 : signal;
    }

    void on_deadline()
    {
        if (m_kill_at && Clock::now() >= *m_kill_at) {
            ::kill(m_pid, SIGKILL);
            m_kill_at.reset();
            m_deadline.reset();
        } else if (m_deadline && Clock::now() >= *m_deadline && m_result.end == ProcessOutcome::End::Exited) {
            m_result.end = ProcessOutcome::End::TimedOut;
            stop();
        } else if (m_next_look && Clock::now() >= *m_next_look && m_result.end == ProcessOutcome::End::Exited) {
            look_for_halt();
        }
    }

    // One answer could race a vCPU that woke another with an NMI between QEMU's looks at
    // them; asking for two in a row, a second apart, narrows that race to a second.
    void look_for_halt()
    {
        m_halted_answers = m_halted() ? m_halted_answers + 1 : 0;
        m_next_look = Clock::now() + kHaltWatchPeriod;
        if (m_halted_answers < 2)
            return;
        m_result.end = ProcessOutcome::End::Halted;
        m_next_look.reset();
        stop();
    }

    void stop()
    {
        m_next_look.reset(); // ending anyway: no more looks, and no deadline left in the past
        ::kill(m_pid, SIGTERM);
        if (!m_kill_at)
            m_kill_at = Clock::now() + kKillGrace;
    }

    ProcessOutcome outcome(int status)
    {
        if (m_result.end == ProcessOutcome::End::Exited && WIFSIGNALED(status)) {
            m_result.end = ProcessOutcome::End::Signaled;
            m_result.status = WTERMSIG(status);
        } else {
            m_result.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        return m_result;
    }

    pid_t m_pid;
    HaltedForGood m_halted;
    std::optional<Clock::time_point> m_next_look;
    int m_halted_answers = 0;
    std::optional<Clock::time_point> m_deadline;
    std::optional<Clock::time_point> m_kill_at;
    ProcessOutcome m_result;
};

} // namespace

ProcessOutcome run_process(
    const std::vector<std::string>& arguments, std::chrono::seconds timeout, ChildInput input, HaltedForGood halted)
{
    TerminalGuard terminal;
    SignalBlock signals;
    int sockets[2] = { -1, -1 };
    if (input == ChildInput::RelayEscaped && ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets) != 0)
        throw CliError(kExitHostFailure, std::string("cannot make the console input socket: ") + std::strerror(errno));
    pid_t pid = spawn(arguments, signals, sockets[1]);
    if (sockets[1] >= 0) {
        ::close(sockets[1]);
        std::thread(relay_input, sockets[0]).detach();
    }
    return Supervisor(pid, timeout, std::move(halted)).wait(signals.waited());
}

} // namespace tools
