#include <kernel/core/snapshot_hook.h>

namespace core {

namespace {

// Set once at boot, before the program's first thread runs; read-only afterwards.
constinit SnapshotPointHandler g_snapshot_point_handler = nullptr;

} // namespace

void set_snapshot_point_handler(SnapshotPointHandler handler)
{
    __atomic_store_n(&g_snapshot_point_handler, handler, __ATOMIC_RELEASE);
}

void snapshot_point_reached(snapshot_abi::SnapshotPoint point)
{
    if (auto handler = __atomic_load_n(&g_snapshot_point_handler, __ATOMIC_ACQUIRE))
        handler(point);
}

} // namespace core
