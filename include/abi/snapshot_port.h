// The Osprey monitor's snapshot port: the guest says "now is the moment" and the monitor,
// if it was asked to (`osprey-monitor --snapshot-at main|ready FILE`), saves the whole VM
// there; `osprey-monitor --restore FILE` later starts a new VM from that moment.
//
// The monitor says it wants a snapshot by adding `snapshot=main` or `snapshot=ready` to
// the kernel command line. At that point (main: right before the program's main(), after
// every constructor; ready: the program writes to /dev/osprey-ready) the kernel fills a
// SnapshotRequest in guest RAM and does one 32-bit `outl` of its guest-physical address
// to kSnapshotPort. Before the `outl` returns, the monitor has paused every vCPU, written
// the snapshot file and set `result`. A VM restored from that file resumes right after the
// same `outl` and finds `result` = Restored, with the host's wall-clock time and fresh
// random bytes in the record, which the kernel uses to set its clock and reseed. Under
// QEMU nothing listens on the port: the kernel never asks there (no snapshot= option).
// (Namespace `snapshot_abi`, not `abi`: host tests include <cxxabi.h>, whose `abi`
// namespace alias would clash.)
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace snapshot_abi {

/// An I/O port no PC, q35 or microvm device uses (0xe0 boot trace, 0xe4 console).
constexpr uint16_t kSnapshotPort = 0xe8;

enum class SnapshotPoint : uint32_t {
    Main = 1,  // right before the program's main()
    Ready = 2, // the program wrote to /dev/osprey-ready
};

enum class SnapshotResult : uint32_t {
    Pending = 0,  // set by the kernel before asking
    Taken = 1,    // this VM was saved and goes on
    Restored = 2, // this VM was started from the snapshot file
    Skipped = 3,  // not the point the monitor was asked for, or one was taken already
    Failed = 4,   // the monitor could not write the file (it said why on stderr); goes on
};

struct SnapshotRequest {
    uint32_t point;          // SnapshotPoint
    uint32_t result;         // SnapshotResult, written by the monitor
    int64_t wall_clock_ns;   // Restored: the host's CLOCK_REALTIME at restore
    uint8_t random_seed[32]; // Restored: fresh bytes from the host's getrandom
};
static_assert(sizeof(SnapshotRequest) == 48 && offsetof(SnapshotRequest, random_seed) == 16);

/// Kernel option values the monitor adds (kernel/boot/boot_options.h): snapshot=main|ready.
constexpr const char* kSnapshotOptionMain = "snapshot=main";
constexpr const char* kSnapshotOptionReady = "snapshot=ready";

} // namespace snapshot_abi
