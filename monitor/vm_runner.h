// Runs the vCPUs: one thread per vCPU looping on KVM_RUN and handle_exit() until the
// RunState stops. Device models are called under one lock (the "big device lock"), so
// they need no locking of their own. A stop request kicks every vCPU out of KVM_RUN with
// immediate_exit and SIGUSR1 (api.rst §5, KVM_CAP_IMMEDIATE_EXIT).
#pragma once

#include "boot_trace.h"
#include "kvm_vm.h"
#include "run_state.h"
#include "vcpu_exit.h"

#include <mutex>
#include <thread>
#include <vector>

namespace monitor {

class VmRunner {
public:
    VmRunner(std::vector<KvmVcpu> vcpus, const IoBuses& buses, RunState& state, BootTrace& trace);
    /// Starts the threads, waits until the VM stops, joins them.
    void run();
    std::mutex& device_lock() { return m_device_lock; }

private:
    void vcpu_loop(size_t index);
    void kick_all();

    /// Puts vCPU 0's KVM statistics into the trace (--trace-boot).
    void record_kvm_statistics();
    std::vector<KvmVcpu> m_vcpus;
    std::vector<std::thread> m_threads;
    const IoBuses& m_buses;
    RunState& m_state;
    BootTrace& m_trace;
    std::mutex m_device_lock;
    std::mutex m_threads_lock;
};

} // namespace monitor
