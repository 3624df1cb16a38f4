#include <kernel/boot/snapshot_point.h>

#include <kernel/arch/x86_64/io.h>
#include <kernel/arch/x86_64/kernel_image.h>
#include <kernel/arch/x86_64/spin_lock.h>
#include <kernel/console/log.h>
#include <kernel/entropy/random_source.h>
#include <kernel/core/wall_clock.h>

#include <lib/guarded.h>

#include <cstring>

namespace boot {

namespace {

// The wanted point is set once by the boot options, before any other CPU runs, then only
// read. The record the monitor reads and writes lives in the kernel image's .bss (below
// 4 GiB, so one `outl` names it), guarded by its lock: one request at a time.
struct SnapshotConfig {
    uint32_t wanted = 0; // snapshot_abi::SnapshotPoint, 0: none
};

SnapshotConfig& snapshot_config()
{
    static constinit SnapshotConfig config;
    return config;
}

lib::Guarded<snapshot_abi::SnapshotRequest, arch::SpinLock>& snapshot_request()
{
    static constinit lib::Guarded<snapshot_abi::SnapshotRequest, arch::SpinLock> request;
    return request;
}

const char* point_name(snapshot_abi::SnapshotPoint point)
{
    return point == snapshot_abi::SnapshotPoint::Main ? "main" : "ready";
}

/// A restored VM: the clock jumps to the host's time and the random sources take the
/// host's fresh bytes (getrandom's hardware sources are fresh already; the fallback
/// generator's state was copied with the snapshot).
void resume_after_restore(const snapshot_abi::SnapshotRequest& request)
{
    core::wall_clock_set(request.wall_clock_ns);
    entropy::mix_seed(request.random_seed, sizeof request.random_seed);
    klog::info(klog::Subsystem::Boot, "restored from a snapshot: wall clock {} s since the epoch",
        request.wall_clock_ns / 1'000'000'000);
}

} // namespace

bool set_snapshot_point(std::string_view value)
{
    if (value == "main")
        snapshot_config().wanted = uint32_t(snapshot_abi::SnapshotPoint::Main);
    else if (value == "ready")
        snapshot_config().wanted = uint32_t(snapshot_abi::SnapshotPoint::Ready);
    else
        return false;
    return true;
}

void snapshot_point_reached(snapshot_abi::SnapshotPoint point)
{
    if (snapshot_config().wanted != uint32_t(point))
        return;
    snapshot_abi::SnapshotRequest answer;
    snapshot_request().with([&](snapshot_abi::SnapshotRequest& request) {
        memset(&request, 0, sizeof request);
        request.point = uint32_t(point);
        request.result = uint32_t(snapshot_abi::SnapshotResult::Pending);
        // The monitor reads the record on the port write: the compiler must have stored it.
        asm volatile("" ::: "memory");
        arch::outl(snapshot_abi::kSnapshotPort, uint32_t(arch::image_physical(&request)));
        asm volatile("" ::: "memory");
        answer = request;
    });
    switch (snapshot_abi::SnapshotResult(answer.result)) {
    case snapshot_abi::SnapshotResult::Taken:
        klog::info(klog::Subsystem::Boot, "snapshot taken at {}", point_name(point));
        break;
    case snapshot_abi::SnapshotResult::Restored: resume_after_restore(answer); break;
    case snapshot_abi::SnapshotResult::Skipped: break;
    default: // Failed, or Pending: nobody listens on the port (the monitor said why)
        klog::warn(klog::Subsystem::Boot, "the monitor took no snapshot at {}", point_name(point));
        break;
    }
}

} // namespace boot
