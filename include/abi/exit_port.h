// How an Osprey guest reports its exit to the VMM. Shared by the kernel, the CLI and (later)
// the monitor.
//
// Under QEMU (both `microvm` and `q35`):
//   1. The kernel writes one line to the status UART (a second 16550 at kStatusUartPort) :
//        "osprey-exit status N\n"     the program exited with status N (0..255)
//        "osprey-exit panic N\n"      the kernel panicked; N is kPanicStatus
//      The CLI connects that UART to a file and reads the exact status from it.
//   2. It then writes N to QEMU's isa-debug-exit device (iobase kDebugExitPort, iosize 4),
//      which makes QEMU exit at once with status ((N << 1) | 1) & 0xff. Without the CLI
//      (plain `qemu-system-x86_64 -kernel`), that is the documented mapping: an odd QEMU
//      status s means the guest exited with (s >> 1) for guest statuses 0..127.
//   If the VM stops without a status line (QEMU killed, triple fault), the CLI reports
//   that and exits with kNoStatusExit.
#pragma once

#include <stdint.h>

namespace abi {

constexpr uint16_t kDebugExitPort = 0xf4;
constexpr uint16_t kStatusUartPort = 0x2f8;
constexpr const char* kStatusLinePrefix = "osprey-exit ";
/// Exit status of a VM whose kernel panicked (the status line says "panic").
constexpr int kPanicStatus = 112;
/// The CLI's exit status when the VM ended without reporting a status.
constexpr int kNoStatusExit = 113;
/// The Osprey monitor's exit status when it stopped the VM because the guest broke the
/// rules (a malformed virtqueue, a wild pointer given to a device, a triple fault).
constexpr int kGuestFaultExit = 114;

} // namespace abi
