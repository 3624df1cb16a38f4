#include "boot_trace.h"

#include <abi/boot_trace.h>

#include <cstring>
#include <ctime>
#include <iomanip>

namespace monitor {

BootTrace::BootTrace() : m_start_ns(now_ns()) { m_events.emplace_back("monitor start", m_start_ns); }

uint64_t BootTrace::now_ns()
{
    timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return uint64_t(now.tv_sec) * 1000000000 + uint64_t(now.tv_nsec);
}

void BootTrace::record(std::string event)
{
    uint64_t now = now_ns();
    std::lock_guard guard(m_lock);
    m_events.emplace_back(std::move(event), now);
}

void BootTrace::record_once(const std::string& event)
{
    uint64_t now = now_ns();
    std::lock_guard guard(m_lock);
    for (const auto& e : m_events)
        if (e.first == event)
            return;
    m_events.emplace_back(event, now);
}

void BootTrace::record_guest(std::string event)
{
    uint64_t now = now_ns();
    std::lock_guard guard(m_lock);
    if (m_guest_events == kMaxGuestEvents) {
        ++m_guest_events_dropped;
        return;
    }
    ++m_guest_events;
    m_events.emplace_back(std::move(event), now);
}

size_t BootTrace::size() const
{
    std::lock_guard guard(m_lock);
    return m_events.size();
}

void BootTrace::print(std::ostream& out) const
{
    std::lock_guard guard(m_lock);
    out << "boot phase                        us   delta us\n";
    uint64_t previous = m_start_ns;
    for (const auto& [event, ns] : m_events) {
        out << std::left << std::setw(28) << event << std::right << std::setw(10) << (ns - m_start_ns) / 1000
            << std::setw(11) << (ns - previous) / 1000 << '\n';
        previous = ns;
    }
    if (m_guest_events_dropped)
        out << "(" << m_guest_events_dropped << " more guest milestones not recorded: at most " << kMaxGuestEvents
            << " are kept)\n";
    if (m_counters_title.empty())
        return;
    out << m_counters_title << (m_counters.empty() ? "\n" : " (nonzero)\n");
    for (const auto& [name, value] : m_counters)
        if (value != 0)
            out << "  " << std::left << std::setw(26) << name << std::right << std::setw(10) << value << '\n';
}

void BootTrace::set_counters(std::string title, std::vector<std::pair<std::string, uint64_t>> counters)
{
    std::lock_guard guard(m_lock);
    m_counters_title = std::move(title);
    m_counters = std::move(counters);
}

void BootTracePort::bus_read(uint64_t, std::span<uint8_t> data) { memset(data.data(), 0xff, data.size()); }

lib::Result<void> BootTracePort::bus_write(uint64_t offset, std::span<const uint8_t> data)
{
    if (offset != 0 || data.empty())
        return {};
    const char* name = abi::boot_milestone_name(data[0]);
    m_trace.record_guest(name ? std::string("guest: ") + name : "guest: milestone " + std::to_string(data[0]));
    return {};
}

} // namespace monitor
