// Leaving the VM: the exit protocol of include/abi/exit_port.h, and kernel panics.
#pragma once

#include <kernel/console/log.h>

namespace boot {

/// Reports `status` (0..255) to the VMM as the program's exit status and stops the VM.
[[noreturn]] void vm_exit(int status);

/// Prints "kernel panic: MESSAGE" and a backtrace, then stops the VM with abi::kPanicStatus.
/// For broken kernel invariants only; bad input is an error value, never a panic.
[[noreturn]] void panic_message(const char* text, size_t length);

template<typename... Args>
[[noreturn]] void panic(fmt::format_string<Args...> format, Args&&... args)
{
    char buffer[512];
    auto r = fmt::format_to_n(buffer, sizeof(buffer), format, static_cast<Args&&>(args)...);
    panic_message(buffer, r.size < sizeof(buffer) ? r.size : sizeof(buffer));
}

} // namespace boot
