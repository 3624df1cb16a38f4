#include "vm_runner.h"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <optional>
#include <pthread.h>
#include <thread>

namespace monitor {

namespace {

void ignore_kick(int) { }

void install_kick_handler()
{
    struct sigaction action { };
    action.sa_handler = ignore_kick; // no SA_RESTART: KVM_RUN returns EINTR
    sigemptyset(&action.sa_mask);
    sigaction(SIGUSR1, &action, nullptr);
}

/// Says on stderr that KVM failed vCPU `index` while the VM was paused (a snapshot or the
/// halt watch); the caller gives the pause up.
void report_pause_error(size_t index, const lib::Error& error)
{
    fprintf(
        stderr, "osprey-monitor: pausing the VM: vCPU %zu: %s (%s)\n", index, error.message, strerror(int(error.code)));
}

} // namespace

VmRunner::VmRunner(
    std::vector<KvmVcpu> vcpus, const IoBuses& buses, RunState& state, BootTrace& trace, VmSnapshots snapshots)
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

bool VmRunner::complete_exit(size_t index)
{
    auto completed = m_vcpus[index].complete_pending_exit();
    if (completed.is_error())
        report_pause_error(index, completed.error());
    return !completed.is_error();
}

void VmRunner::park(size_t index)
{
    bool completed = complete_exit(index);
    std::unique_lock lock(m_pause_lock);
    if (!m_pausing.load()) // it ended before this vCPU came: nothing to take part in
        return;
    // Counted in this pause, and waiting for this pause's end: a new pause may begin
    // before this thread wakes, and must find it back at the top of its loop, not here.
    uint64_t pause = m_pause_generation;
    m_pause_failed |= !completed;
    ++m_parked;
    m_pause_changed.notify_all();
    m_pause_changed.wait(lock, [&] { return m_resumed_generation >= pause || m_state.stopping(); });
}

snapshot_abi::SnapshotResult VmRunner::save_paused_vm(uint64_t request_gpa)
{
    std::vector<std::vector<uint8_t>> states;
    for (size_t i = 0; i < m_vcpus.size(); ++i) {
        auto state = m_vcpus[i].save_state(*m_snapshots.vm);
        if (state.is_error()) {
            report_pause_error(i, state.error());
            return snapshot_abi::SnapshotResult::Failed;
        }
        states.push_back(state.release_value());
    }
    return m_snapshots.save(std::move(states), request_gpa);
}

bool VmRunner::pause(std::optional<size_t> self)
{
    {
        std::lock_guard lock(m_pause_lock);
        if (m_state.stopping())
            return false;
        m_parked = 0;
        m_pause_failed = false;
        ++m_pause_generation;
        m_pausing.store(true);
    }
    kick_others(self ? *self : m_vcpus.size());
    bool completed = self ? complete_exit(*self) : true;
    size_t others = m_vcpus.size() - (self ? 1 : 0);
    std::unique_lock lock(m_pause_lock);
    m_pause_changed.wait(lock, [&] { return m_parked == others || m_state.stopping(); });
    return completed && !m_pause_failed && !m_state.stopping();
}

void VmRunner::resume()
{
    std::lock_guard lock(m_pause_lock);
    m_resumed_generation = m_pause_generation;
    m_pausing.store(false);
    m_pause_changed.notify_all();
}

void VmRunner::take_snapshot(size_t index, uint64_t request_gpa)
{
    // One pause at a time: while the halt watch holds one, this vCPU takes part in it.
    while (!m_pause_owner.try_lock()) {
        if (m_state.stopping())
            return;
        if (m_pausing.load())
            park(index);
        else
            std::this_thread::yield();
    }
    std::lock_guard owner(m_pause_owner, std::adopt_lock);
    // Phase 1: every vCPU leaves KVM_RUN, its last exit completed, and parks.
    bool paused = pause(index);
    // Phase 2: with no vCPU in the guest and no device thread raising interrupts (the
    // device lock), every vCPU, the VM and the devices are saved at one moment.
    if (!m_state.stopping()) {
        std::lock_guard guard(m_device_lock);
        auto result = paused ? save_paused_vm(request_gpa) : snapshot_abi::SnapshotResult::Failed;
        if (SnapshotPort::answer(*m_snapshots.memory, request_gpa, result).is_error())
            m_state.stop(kExitGuestFault, "osprey-monitor: the snapshot request record left guest memory");
    }
    resume();
}

bool VmRunner::every_vcpu_stuck()
{
    std::unique_lock owner(m_pause_owner, std::try_to_lock);
    if (!owner) // a snapshot is being taken: look next time
        return false;
    bool stuck = pause(std::nullopt);
    for (size_t i = 0; stuck && i < m_vcpus.size(); ++i) {
        auto halted = m_vcpus[i].halted_with_interrupts_off();
        stuck = !halted.is_error() && halted.value();
    }
    resume();
    return stuck;
}

void VmRunner::watch_for_halt()
{
    std::unique_lock lock(m_pause_lock);
    while (!m_pause_changed.wait_for(lock, kHaltWatchPeriod, [this] { return m_state.stopping(); })) {
        lock.unlock();
        bool stuck = every_vcpu_stuck();
        lock.lock();
        if (stuck) {
            lock.unlock();
            m_state.stop(kExitNoStatus,
                "osprey-monitor: every vCPU halted with interrupts off, so the guest can never "
                "run again (a program ran `hlt` or `cli; hlt`?); the VM was stopped");
            return;
        }
    }
}

void VmRunner::vcpu_loop(size_t index)
{
    KvmVcpu& vcpu = m_vcpus[index];
    char name[16]; // what `top -H` and /proc/PID/task/TID/comm show
    snprintf(name, sizeof(name), "vcpu %zu", index);
    pthread_setname_np(pthread_self(), name);
    if (index == 0)
        m_trace.record("first KVM_RUN (guest starts)");
    for (;;) {
        // A kick is served once this thread is here: clear it, then look at why it came.
        // Whoever kicks sets stopping or pausing before immediate_exit, so one that comes
        // after this store is either seen below or ends the next KVM_RUN at once.
        __atomic_store_n(&vcpu.run_area().immediate_exit, 0, __ATOMIC_SEQ_CST);
        if (m_state.stopping())
            break;
        if (m_pausing.load()) {
            park(index);
            continue;
        }
        auto ran = vcpu.run();
        if (ran.is_error()) {
            if (ran.error().code == lib::Errno::INTR || ran.error().code == lib::Errno::AGAIN)
                continue;
            m_state.stop(
                kExitHostFailure, std::string("osprey-monitor: KVM_RUN failed: ") + strerror(int(ran.error().code)));
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
    std::thread halt_watch([this] { watch_for_halt(); });
    // Every vCPU thread ends only once the VM is stopping, which ends the watch too: join
    // it first, so that it kicks no thread being joined.
    halt_watch.join();
    for (size_t i = 0; i < m_vcpus.size(); ++i) {
        std::thread thread;
        {
            std::lock_guard guard(m_threads_lock); // a kick skips it from now on (not joinable)
            thread = std::move(m_threads[i]);
        }
        thread.join();
    }
    m_trace.record("exit");
    if (m_trace.counters_wanted())
        record_kvm_statistics();
}

} // namespace monitor
