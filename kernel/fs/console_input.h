// Console input: what the host types or pipes into the console UART (COM1), for reads of
// the console file (descriptor 0). Bytes arrive by interrupt (IRQ 4) into a buffer;
// when the buffer is full the receive interrupt is turned off, so the UART's FIFO fills
// and the VMM stops sending (no byte is lost). A serial line has no end of input, so with
// the boot option `console_input=escaped` (what the osprey CLI and osprey-monitor give when
// they pass their stdin on) the stream is escaped: 0xff 0xff is a 0xff byte, 0xff 0x00 the
// end of input, when the host's stdin ended; it starts with 0xff 0x01, of which the first
// byte may be lost (one that arrives before the kernel enables the UART's FIFOs is), so
// the stream starts at the first 0x01. In raw mode a byte typed before then is lost. With `console=tty` the console
// also echoes what it receives (CR becomes LF) and Ctrl-D ends the input once, a FIRST CUT of a terminal's line
// discipline (no line editing).
#pragma once

#include <lib/result.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace fs {

/// Applies the boot option `console_input=escaped|raw`; false for another value.
bool set_console_input_mode(std::string_view value);

/// Reads what has arrived: up to `length` bytes; 0 at the end of input; waits for input
/// unless `non_blocking` (then EAGAIN). INTR if a signal ends the wait.
lib::Result<size_t> console_read(void* buffer, size_t length, bool non_blocking);
/// Bytes that a read would return now (FIONREAD, poll).
size_t console_bytes_ready();
/// Whether a read would not block (bytes, or the end of input).
bool console_readable();

} // namespace fs
