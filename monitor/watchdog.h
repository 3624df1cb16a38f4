// --timeout for osprey-monitor (monitor/options.h): a thread that sleeps until the VM's
// time is up, then stops it with kExitTimeout (run_state.h).
#pragma once

#include "run_state.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace monitor {

/// --timeout: stops the VM with kExitTimeout when it runs past its time. Stopping kicks
/// every vCPU out of KVM_RUN, a halted one too (with interrupts off: cli; hlt), so nothing
/// the guest does outlasts it. Wakes only at the deadline or when destroyed.
class Watchdog {
public:
    Watchdog(RunState& run, unsigned seconds)
    {
        if (seconds)
            m_thread = std::thread([this, &run, seconds] { watch(run, seconds); });
    }
    ~Watchdog()
    {
        {
            std::lock_guard guard(m_lock);
            m_done = true;
        }
        m_wake.notify_all();
        if (m_thread.joinable())
            m_thread.join();
    }

private:
    void watch(RunState& run, unsigned seconds)
    {
        std::unique_lock guard(m_lock);
        if (!m_wake.wait_for(guard, std::chrono::seconds(seconds), [this] { return m_done; }))
            run.stop(kExitTimeout,
                "osprey-monitor: the VM did not finish within " + std::to_string(seconds)
                    + " seconds (--timeout); it was stopped");
    }

    std::mutex m_lock;
    std::condition_variable m_wake;
    bool m_done = false;
    std::thread m_thread;
};

} // namespace monitor
