// Where the kernel console's output goes: the 16550 at COM1 (serial.h), or, under the
// Osprey monitor, its console port (include/abi/console_port.h), one VM exit per buffer
// instead of one per byte. Crash reports and panics always use the UART directly
// (kernel/debug/report.h): they take no lock.
#pragma once

#include <cstddef>
#include <string_view>

namespace console {

/// Writes `length` bytes to the console exactly as given (no \n -> \r\n: program output
/// may be binary): the program's stdout and stderr, and the kernel log. Through the port,
/// writers on other CPUs wait, so buffers of up to 4 KiB come out whole.
void write(const char* data, size_t length);

/// Boot option console_output=uart|port (the monitor adds `port`). Returns false for any
/// other value, leaving the path as it was (the UART).
bool set_output_path(std::string_view value);

} // namespace console
