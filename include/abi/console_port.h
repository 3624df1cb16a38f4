// The Osprey monitor's console port: console output written a buffer at a time.
//
// Through the 16550 UART every byte is one port write, and under KVM every port write is a
// VM exit (a hello line of 40 bytes: 40 exits). The monitor offers a port that takes a
// whole buffer: the kernel puts a ConsoleWrite record and its bytes in guest RAM and does
// one 32-bit `outl` of the record's guest-physical address to kConsolePort; the monitor
// checks that the record and the bytes lie inside guest RAM and writes the bytes to its
// console (stdout) before the `outl` returns. One exit per buffer (Solo5's hvt hypercalls
// work the same way: a port write of a pointer to an argument record).
//
// The monitor says it has the port by adding kConsoleOutputOption to the kernel command
// line; under QEMU (no such option) the kernel keeps the UART. The monitor also adds
// kExitReportOption: the exit status then goes only to the debug-exit port (exit_port.h),
// with kPanicFlag set for a panic, and the status UART line is not written.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace abi {

/// An I/O port no PC, q35 or microvm device uses (0xe0 is the boot trace, 0xe9 QEMU's debugcon).
constexpr uint16_t kConsolePort = 0xe4;

/// The most bytes one record may carry; the monitor refuses a longer one.
constexpr uint32_t kConsoleWriteMax = 64 * 1024;

struct ConsoleWrite {
    uint64_t data;     // guest-physical address of the first byte
    uint32_t length;   // bytes, at most kConsoleWriteMax
    uint32_t reserved; // zero
};
static_assert(sizeof(ConsoleWrite) == 16 && offsetof(ConsoleWrite, length) == 8);

/// Kernel options the monitor adds (kernel/boot/boot_options.h).
constexpr const char* kConsoleOutputOption = "console_output=port";
constexpr const char* kExitReportOption = "exit_report=port";

/// Set in the value written to the debug-exit port when the kernel panicked. QEMU's
/// isa-debug-exit exits with ((value << 1) | 1) & 0xff, which this bit does not change.
constexpr uint32_t kPanicFlag = 0x100;

} // namespace abi
