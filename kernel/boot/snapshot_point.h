// Snapshot points (include/abi/snapshot_port.h): where the Osprey monitor may save the VM
// for `osprey run --snapshot-at main|ready` and later restore it with `--restore`.
#pragma once

#include <abi/snapshot_port.h>

#include <string_view>

namespace boot {

/// Boot option snapshot=main|ready: the point at which the monitor wants its snapshot.
/// Without it the kernel never asks (QEMU, or a monitor run without --snapshot-at).
/// Returns false for any other value.
bool set_snapshot_point(std::string_view value);

/// The program reached `point` (installed as core::snapshot_point_reached's handler, through
/// which libc-shim and /dev/osprey-ready report it). If it is the point the monitor wants,
/// asks for the snapshot
/// (the VM is saved before this returns). In a VM restored from that snapshot, this is
/// where it resumes: the wall clock is set from the host's and the random sources are
/// reseeded, so two VMs restored from one file do not repeat each other. Any thread may
/// call it; the calls are serialised.
void snapshot_point_reached(snapshot_abi::SnapshotPoint point);

} // namespace boot
