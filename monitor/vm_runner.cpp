#include "vm_runner.h"

#include <csignal>
#include <cstring>
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

VmRunner::VmRunner(std::vector<KvmVcpu> vcpus, const IoBuses& buses, RunState& state, BootTrace& trace)
    : m_vcpus(std::move(vcpus)), m_buses(buses), m_state(state), m_trace(trace)
{
}

void VmRunner::kick_all()
{
    std::lock_guard guard(m_threads_lock);
    for (size_t i = 0; i < m_vcpus.size(); ++i) {
        __atomic_store_n(&m_vcpus[i].run_area().immediate_exit, 1, __ATOMIC_SEQ_CST);
        if (i < m_threads.size() && m_threads[i].joinable())
            pthread_kill(m_threads[i].native_handle(), SIGUSR1);
    }
}

void VmRunner::vcpu_loop(size_t index)
{
    KvmVcpu& vcpu = m_vcpus[index];
    if (index == 0)
        m_trace.record("first KVM_RUN (guest starts)");
    while (!m_state.stopping()) {
        auto ran = vcpu.run();
        if (ran.is_error()) {
            if (ran.error().code == lib::Errno::INTR || ran.error().code == lib::Errno::AGAIN)
                continue;
            m_state.stop(kExitHostFailure, std::string("osprey-monitor: KVM_RUN failed: ") + strerror(int(ran.error().code)));
            break;
        }
        std::lock_guard guard(m_device_lock);
        handle_exit(vcpu.run_area(), vcpu.run_size(), m_buses, m_state);
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
