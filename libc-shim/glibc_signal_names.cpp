// Signal names and descriptions as glibc gives them: sigabbrev_np and sigdescr_np (glibc
// 2.32), and strsignal and psignal in glibc's words. musl's strsignal differs where
// programs show it to people: "Arithmetic exception" for SIGFPE (glibc: "Floating point
// exception"), "Child process status" for SIGCHLD ("Child exited"), "RT34" for a real-time
// signal ("Real-time signal 0") and a bare "Unknown signal" ("Unknown signal 99").
// Real-time signals count from the SIGRTMIN glibc programs are given here
// (__libc_current_sigrtmin: 35, musl keeps three for itself where glibc keeps two).
#include <libc_shim/thread_buffer.h>

#include <csignal>
#include <cstdio>
#include <iterator>

extern "C" int __libc_current_sigrtmin();
extern "C" int __libc_current_sigrtmax();

namespace {

struct SignalName {
    const char* abbreviation;
    const char* description;
};

// Indexed by signal number (x86-64 Linux).
constexpr SignalName kSignals[] = {
    { nullptr, nullptr },
    { "HUP", "Hangup" },
    { "INT", "Interrupt" },
    { "QUIT", "Quit" },
    { "ILL", "Illegal instruction" },
    { "TRAP", "Trace/breakpoint trap" },
    { "ABRT", "Aborted" },
    { "BUS", "Bus error" },
    { "FPE", "Floating point exception" },
    { "KILL", "Killed" },
    { "USR1", "User defined signal 1" },
    { "SEGV", "Segmentation fault" },
    { "USR2", "User defined signal 2" },
    { "PIPE", "Broken pipe" },
    { "ALRM", "Alarm clock" },
    { "TERM", "Terminated" },
    { "STKFLT", "Stack fault" },
    { "CHLD", "Child exited" },
    { "CONT", "Continued" },
    { "STOP", "Stopped (signal)" },
    { "TSTP", "Stopped" },
    { "TTIN", "Stopped (tty input)" },
    { "TTOU", "Stopped (tty output)" },
    { "URG", "Urgent I/O condition" },
    { "XCPU", "CPU time limit exceeded" },
    { "XFSZ", "File size limit exceeded" },
    { "VTALRM", "Virtual timer expired" },
    { "PROF", "Profiling timer expired" },
    { "WINCH", "Window changed" },
    { "POLL", "I/O possible" },
    { "PWR", "Power failure" },
    { "SYS", "Bad system call" },
};

const SignalName* named(int signal)
{
    return signal > 0 && size_t(signal) < std::size(kSignals) ? &kSignals[signal] : nullptr;
}

/// strsignal's text for `signal` into `buffer` when it is not a constant.
const char* describe(int signal, char* buffer, size_t size)
{
    if (const SignalName* name = named(signal))
        return name->description;
    int first = __libc_current_sigrtmin(), last = __libc_current_sigrtmax();
    if (signal >= first && signal <= last)
        snprintf(buffer, size, "Real-time signal %d", signal - first);
    else
        snprintf(buffer, size, "Unknown signal %d", signal);
    return buffer;
}

} // namespace

extern "C" {

/// "HUP" for SIGHUP; null for a number without a name (0, real-time, out of range).
const char* sigabbrev_np(int signal)
{
    const SignalName* name = named(signal);
    return name ? name->abbreviation : nullptr;
}

/// "Hangup" for SIGHUP, never translated; null for a number without a name.
const char* sigdescr_np(int signal)
{
    const SignalName* name = named(signal);
    return name ? name->description : nullptr;
}

/// glibc's strsignal: a description, or "Real-time signal N" / "Unknown signal N" in a
/// buffer of the calling thread's (valid until its next call, as glibc's).
char* osprey_strsignal(int signal)
{
    constexpr size_t kSize = sizeof("Unknown signal -2147483648");
    char* buffer = libc_shim::thread_buffer<kSize, struct UnknownSignal>();
    if (!buffer && !named(signal))
        return const_cast<char*>("Unknown signal");
    return const_cast<char*>(describe(signal, buffer, kSize));
}

/// "MESSAGE: DESCRIPTION\n" (or the description alone) on stderr, as glibc's psignal: a
/// signal without a name, real-time ones included, is "Unknown signal N" there.
void osprey_psignal(int signal, const char* message)
{
    const SignalName* name = named(signal);
    const char* separator = message && *message ? ": " : "";
    if (!message)
        message = "";
    if (name)
        fprintf(stderr, "%s%s%s\n", message, separator, name->description);
    else
        fprintf(stderr, "%s%sUnknown signal %d\n", message, separator, signal);
}

} // extern "C"
