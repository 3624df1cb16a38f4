// The one error type of the `osprey` CLI (host code): a message for the user and the exit
// status the CLI ends with. Thrown by the CLI units, caught once in main().
#pragma once

#include <stdexcept>
#include <string>

namespace tools {

/// Exit statuses of the CLI besides the guest's own (0..255). The two from
/// include/abi/exit_port.h are repeated here because that header's `namespace abi`
/// clashes with <cxxabi.h>'s `namespace abi` alias, which googletest includes.
inline constexpr int kExitHostFailure = 1;  // the host failed us (I/O, cannot start QEMU)
inline constexpr int kExitBadInput = 2;     // bad usage, program, image, kernel or setup
inline constexpr int kExitPanic = 112;      // = abi::kPanicStatus (static_assert in qemu_command.cpp)
inline constexpr int kExitNoStatus = 113;   // = abi::kNoStatusExit
inline constexpr int kExitTimeout = 124;    // --timeout expired (as timeout(1))
inline constexpr int kExitSignalBase = 128; // interrupted by signal N: 128 + N

class CliError : public std::runtime_error {
public:
    CliError(int exit_status, const std::string& message) : std::runtime_error(message), m_exit_status(exit_status) { }
    int exit_status() const { return m_exit_status; }

private:
    int m_exit_status;
};

} // namespace tools
