// Leaving the VM: the exit protocol of include/abi/exit_port.h, and kernel panics.
#pragma once

#include <kernel/console/log.h>

#include <string_view>

namespace core {

/// Boot option exit_report=uart|port: `port` (the Osprey monitor) reports the exit through
/// the debug-exit port alone, without the status UART's line (include/abi/console_port.h).
/// Returns false for any other value.
bool set_exit_report(std::string_view value);

/// Reports `status` (0..255) to the VMM as the program's exit status and stops the VM.
[[noreturn]] void vm_exit(int status);

enum class PanicBacktrace {
    Caller,          // print the backtrace of panic_message's caller
    AlreadyReported, // the caller printed one already (the CPU exception report)
};

/// Prints "kernel panic: MESSAGE" and a backtrace, then stops the VM with abi::kPanicStatus.
/// For broken kernel invariants only; bad input is an error value, never a panic. A panic
/// while panicking skips the backtrace and stops at once.
[[noreturn]] void panic_message(const char* text, size_t length, PanicBacktrace backtrace = PanicBacktrace::Caller);

template<typename... Args> [[noreturn]] void panic(fmt::format_string<Args...> format, Args&&... args)
{
    char buffer[512];
    auto r = fmt::format_to_n(buffer, sizeof(buffer), format, static_cast<Args&&>(args)...);
    panic_message(buffer, r.size < sizeof(buffer) ? r.size : sizeof(buffer));
}

} // namespace core
