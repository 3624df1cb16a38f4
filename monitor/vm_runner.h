// Runs the vCPUs: one thread per vCPU looping on KVM_RUN and handle_exit() until the
// RunState stops. Device models are called under one lock (the "big device lock"), so
// they need no locking of their own. A stop request kicks every vCPU out of KVM_RUN with
// immediate_exit and SIGUSR1 (api.rst §5, KVM_CAP_IMMEDIATE_EXIT).
//
// Snapshots: when the snapshot port holds a request after an exit, that vCPU's thread
// pauses the VM: it kicks the others, each of which completes its last exit and parks;
// with all parked, it saves every vCPU's KVM state and then the VM under the device lock
// (the SaveVm hook, main.cpp), so that nothing (an IPI, a device interrupt) happens between
// the saves, answers the request, and every vCPU goes on.
#pragma once

#include "boot_trace.h"
#include "kvm_vm.h"
#include "run_state.h"
#include "snapshot_port.h"
#include "vcpu_exit.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace monitor {

/// Saves the paused VM, given each vCPU's saved state and the request's address; returns
/// the answer for the guest (Taken, or Failed after saying why on stderr).
using SaveVm
    = std::function<snapshot_abi::SnapshotResult(std::vector<std::vector<uint8_t>> vcpu_states, uint64_t request_gpa)>;

/// What a VM run with --snapshot-at needs to save itself.
struct VmSnapshots {
    SnapshotPort* port = nullptr; // null: this VM takes no snapshot
    const KvmVm* vm = nullptr;
    const GuestMemory* memory = nullptr;
    SaveVm save;
};

class VmRunner {
public:
    VmRunner(
        std::vector<KvmVcpu> vcpus, const IoBuses& buses, RunState& state, BootTrace& trace, VmSnapshots snapshots);
    /// Starts the threads, waits until the VM stops, joins them.
    void run();
    std::mutex& device_lock() { return m_device_lock; }

private:
    void vcpu_loop(size_t index);
    void kick_all();
    void kick_others(size_t index);
    /// On vCPU `index`'s thread: completes its last exit (KVM_RUN with immediate_exit), so
    /// that its state may be saved. False (and a message) if KVM failed.
    bool complete_exit(size_t index);
    /// A vCPU asked to pause: completes its exit and waits until the pause ends.
    void park(size_t index);
    /// Pauses the VM: kicks every vCPU but `self` (the caller's own, whose exit it
    /// completes), and waits until they have parked. False if one could not complete its
    /// exit or the VM is stopping. The caller holds m_pause_owner and calls resume().
    bool pause(std::optional<size_t> self);
    void resume();
    /// Whether every vCPU is halted with interrupts off (looked at in a brief pause).
    bool every_vcpu_stuck();
    /// The halt watch: every kHaltWatchPeriod, stops a VM whose every vCPU is halted with
    /// interrupts off (`cli; hlt` in ring 0), which KVM would otherwise keep forever.
    void watch_for_halt();
    /// With every vCPU parked and the device lock held: saves them all and the VM.
    snapshot_abi::SnapshotResult save_paused_vm(uint64_t request_gpa);
    /// Serves the snapshot request at `request_gpa` on vCPU `index`'s thread.
    void take_snapshot(size_t index, uint64_t request_gpa);

    /// Puts vCPU 0's KVM statistics into the trace (--trace-boot).
    void record_kvm_statistics();
    std::vector<KvmVcpu> m_vcpus;
    std::vector<std::thread> m_threads;
    const IoBuses& m_buses;
    RunState& m_state;
    BootTrace& m_trace;
    std::mutex m_device_lock;
    std::mutex m_threads_lock;

    VmSnapshots m_snapshots;
    static constexpr std::chrono::milliseconds kHaltWatchPeriod { 1000 };
    std::mutex m_pause_owner; // held for a whole pause: a snapshot or the halt watch
    std::atomic<bool> m_pausing { false };
    std::mutex m_pause_lock; // guards the five below
    std::condition_variable m_pause_changed;
    size_t m_parked = 0;
    bool m_pause_failed = false;       // a vCPU could not complete its exit
    uint64_t m_pause_generation = 0;   // pauses begun
    uint64_t m_resumed_generation = 0; // the last pause that ended
};

} // namespace monitor
