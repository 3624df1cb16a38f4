// Runs QEMU as a child process: console on our stdin/stdout, a timeout, and Ctrl-C /
// SIGTERM / SIGHUP forwarded so QEMU never outlives the CLI.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace tools {

struct ProcessOutcome {
    enum class End { Exited, Signaled, TimedOut, Interrupted, Halted };
    End end = End::Exited;
    int status = 0;           // Exited: exit status; Signaled: signal number
    int interrupt_signal = 0; // Interrupted: the signal the CLI received
};

/// What the child's stdin is. Inherit: ours. RelayEscaped (QEMU, when our stdin is not a
/// terminal; the kernel is told `console_input=escaped`): a socket fed from our stdin by a
/// thread, each 0xff byte doubled and 0xff 0x00 once our stdin ends, the kernel's end of
/// the console's input (kernel/fs/console_input.h).
enum class ChildInput { Inherit, RelayEscaped };

/// Asked every second while the child runs: true when its VM can never run again. Two
/// answers in a row stop the child as a timeout does, and the result is Halted.
using HaltedForGood = std::function<bool()>;

/// Runs `arguments` (argv[0] is the program path) to completion. With a non-zero
/// `timeout`, the child gets SIGTERM when it expires (SIGKILL 5 s later) and the result
/// is TimedOut; a SIGINT, SIGTERM or SIGHUP sent to the CLI is passed on the same way and
/// the result is Interrupted; `halted` (if any) ends it as Halted. The terminal settings
/// of stdin are restored afterwards. Throws CliError(kExitHostFailure) if the child cannot
/// be started.
ProcessOutcome run_process(const std::vector<std::string>& arguments, std::chrono::seconds timeout,
    ChildInput input = ChildInput::Inherit, HaltedForGood halted = {});

} // namespace tools
