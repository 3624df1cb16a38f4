#include "vm_runner.h"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <optional>
#include <pthread.h>

namespace monitor {

namespace {

void ignore_kick(int) { }

void install_kick_handler()
{
    struct sigaction action {};
    action.sa_handler = ignore_kick; // no SA_RESTART: KVM_RUN returns EINTR
    sigemptyset(&action.sa_mask);
    sigaction(SIGUSR1, &action, nullptr);
}

} // namespace

VmRunner::VmRunner(std::vector<KvmVcpu> vcpus, const IoBuses& buses, RunState& state, BootTrace& trace, VmSnapshots snapshots)
    : m_vcpus(std::move(vcpus)), m_buses(buses), m_state(state), m_trace(trace), m_snapshots(std::move(snapshots))
{
}

void VmRunner::kick_others(size_t index)
{
    std::lock_guard guard(m_threads_lock);
    for (size_t i = 0; i < m_vcpus.size(); ++i) {
        if (i == index)
            continue;
        __atomic_store_n(&m_vcpus[i].run_area().immediate_exit, 1, __ATOMIC_SEQ_CST);
        if (i < m_threads.size() && m_threads[i].joinable())
            pthread_kill(m_threads[i].native_handle(), SIGUSR1);
    }
}

void VmRunner::kick_all()
{
    kick_others(m_vcpus.size());
    std::lock_guard guard(m_pause_lock); // parked vCPUs and a waiting snapshot see the stop
    m_pause_changed.notify_all();
}

std::vector<uint8_t> VmRunner::save_vcpu(size_t index)
{
    KvmVcpu& vcpu = m_vcpus[index];
    if (auto completed = vcpu.complete_pending_exit(); completed.is_error()) {
        fprintf(stderr, "osprey-monitor: snapshot: vCPU %zu: %s (%s)\n", index, completed.error().message, strerror(int(completed.error().code)));
        return {};
    }
    auto state = vcpu.save_state(*m_snapshots.vm);
    if (state.is_error()) {
        fprintf(stderr, "osprey-monitor: snapshot: vCPU %zu: %s (%s)\n", index, state.error().message, strerror(int(state.error().code)));
        return {};
    }
    return state.release_value();
}

void VmRunner::park(size_t index)
{
    std::vector<uint8_t> state = save_vcpu(index);
    std::unique_lock lock(m_pause_lock);
    m_saved_vcpus[index] = std::move(state);
    ++m_parked;
    m_pause_changed.notify_all();
    m_pause_changed.wait(lock, [this] { return !m_pausing.load() || m_state.stopping(); });
}

void VmRunner::take_snapshot(size_t index, uint64_t request_gpa)
{
    {
        std::lock_guard lock(m_pause_lock);
        m_parked = 0;
        m_saved_vcpus.assign(m_vcpus.size(), {});
        m_pausing.store(true);
    }
    kick_others(index);
    std::vector<uint8_t> own = save_vcpu(index);
    std::vector<std::vector<uint8_t>> states;
    {
        std::unique_lock lock(m_pause_lock);
        m_pause_changed.wait(lock, [this] { return m_parked + 1 == m_vcpus.size() || m_state.stopping(); });
        m_saved_vcpus[index] = std::move(own);
        states = std::move(m_saved_vcpus);
    }
    auto result = snapshot_abi::SnapshotResult::Failed;
    if (!m_state.stopping()) {
        bool all_saved = std::all_of(states.begin(), states.end(), [](const auto& s) { return !s.empty(); });
        std::lock_guard guard(m_device_lock);
        if (all_saved)
            result = m_snapshots.save(std::move(states), request_gpa);
        if (SnapshotPort::answer(*m_snapshots.memory, request_gpa, result).is_error())
            m_state.stop(kExitGuestFault, "osprey-monitor: the snapshot request record left guest memory");
    }
    std::lock_guard lock(m_pause_lock);
    m_pausing.store(false);
    m_pause_changed.notify_all();
}

void VmRunner::vcpu_loop(size_t index)
{
    KvmVcpu& vcpu = m_vcpus[index];
    if (index == 0)
        m_trace.record("first KVM_RUN (guest starts)");
    while (!m_state.stopping()) {
        if (m_pausing.load()) {
            park(index);
            continue;
        }
        auto ran = vcpu.run();
        if (ran.is_error()) {
            if (ran.error().code == lib::Errno::INTR || ran.error().code == lib::Errno::AGAIN)
                continue;
            m_state.stop(kExitHostFailure, std::string("osprey-monitor: KVM_RUN failed: ") + strerror(int(ran.error().code)));
            break;
        }
        std::optional<uint64_t> request;
        {
            std::lock_guard guard(m_device_lock);
            handle_exit(vcpu.run_area(), vcpu.run_size(), m_buses, m_state);
            if (m_snapshots.port)
                request = m_snapshots.port->take_request();
        }
        if (request)
            take_snapshot(index, *request);
    }
}

void VmRunner::record_kvm_statistics()
{
    auto stats = m_vcpus[0].statistics();
    if (stats.is_error()) {
        m_trace.set_counters(std::string("KVM statistics of vCPU 0: unavailable, ") + stats.error().message, {});
        return;
    }
    std::vector<std::pair<std::string, uint64_t>> counters;
    for (KvmStat& stat : stats.value())
        counters.emplace_back(std::move(stat.name), stat.value);
    m_trace.set_counters("KVM statistics of vCPU 0", std::move(counters));
}

void VmRunner::run()
{
    install_kick_handler();
    m_state.set_stop_hook([this] { kick_all(); });
    {
        std::lock_guard guard(m_threads_lock); // kick_all must not see a half-filled vector
        for (size_t i = 0; i < m_vcpus.size(); ++i)
            m_threads.emplace_back([this, i] { vcpu_loop(i); });
    }
    for (std::thread& thread : m_threads)
        thread.join();
    m_trace.record("exit");
    if (m_trace.counters_wanted())
        record_kvm_statistics();
}

} // namespace monitor
