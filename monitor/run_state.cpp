#include "run_state.h"

namespace monitor {

void RunState::stop(int status, std::string message)
{
    {
        std::lock_guard guard(m_lock);
        if (m_stopping.load(std::memory_order_relaxed))
            return;
        m_status = status;
        m_message = std::move(message);
        m_stopping.store(true, std::memory_order_release);
    }
    if (m_stop_hook)
        m_stop_hook();
}

int RunState::status() const
{
    std::lock_guard guard(m_lock);
    return m_status;
}

std::string RunState::message() const
{
    std::lock_guard guard(m_lock);
    return m_message;
}

} // namespace monitor
