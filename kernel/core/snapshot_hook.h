// Snapshot points (include/abi/snapshot_port.h) as the layers below boot report them: the
// program's start (libc-shim, before main) and a write to /dev/osprey-ready (kernel/fs).
// What a point does, asking the Osprey monitor for a snapshot and reseeding after a
// restore, is boot's (kernel/boot/snapshot_point.h), installed once at boot.
#pragma once

#include <abi/snapshot_port.h>

namespace core {

using SnapshotPointHandler = void (*)(snapshot_abi::SnapshotPoint point);

/// Installs what reaching a point does; called once at boot, before the program runs.
void set_snapshot_point_handler(SnapshotPointHandler handler);

/// The program reached `point`: runs the installed handler (nothing before one is set).
void snapshot_point_reached(snapshot_abi::SnapshotPoint point);

} // namespace core
