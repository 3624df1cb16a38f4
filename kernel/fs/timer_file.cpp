#include <kernel/arch/x86_64/tsc.h>
#include <kernel/fs/readiness.h>
#include <kernel/fs/timer_file.h>
#include <kernel/core/wall_clock.h>
#include <lib/intrusive_list.h>
#include <sched/futex.h>

#include <cstring>
#include <new>

namespace fs {

namespace {

class TimerFile;

class TimerFile final : public File {
public:
    explicit TimerFile(TimerFileClock clock) : m_clock(clock) { }
    ~TimerFile() override { disarm(); }

    lib::ListNode armed_link;

    lib::Result<size_t> read(void* buffer, size_t length) override;
    lib::Result<void> stat(LinuxStat& st) override
    {
        anonymous_inode_stat(st, this);
        return {};
    }
    uint16_t poll_events(uint16_t requested) override { return (expire() ? (PollIn | PollRdNorm) : 0) & requested; }
    uint32_t change_count() const override { return m_changes.now(); }
    size_t describe(char* out, size_t size) const override { return copy_name("anon_inode:[timerfd]", out, size); }
    bool is_timer() const override { return true; }

    TimerFileSetting set(TimerFileSetting setting, bool absolute);
    TimerFileSetting setting();
    uint64_t next() const { return m_next; }

private:
    uint64_t expire();
    void disarm();
    uint64_t to_monotonic(uint64_t clock_ns) const;

    TimerFileClock m_clock;
    uint64_t m_next = 0; // monotonic ns of the next expiry; 0: disarmed
    uint64_t m_interval = 0;
    uint64_t m_expired = 0; // expiries not yet read
    ChangeCounter m_changes;
};

/// The armed timer files, for earliest_timer_deadline (under the big kernel lock, as every
/// system call runs).
lib::IntrusiveList<TimerFile, &TimerFile::armed_link>& armed_timers()
{
    static lib::IntrusiveList<TimerFile, &TimerFile::armed_link> list;
    return list;
}

uint64_t TimerFile::to_monotonic(uint64_t clock_ns) const
{
    if (m_clock == TimerFileClock::Monotonic)
        return clock_ns;
    int64_t offset = core::realtime_ns() - int64_t(arch::monotonic_ns());
    return int64_t(clock_ns) > offset ? uint64_t(int64_t(clock_ns) - offset) : 1;
}

void TimerFile::disarm()
{
    if (armed_link.linked())
        armed_timers().remove(this);
    m_next = 0;
}

// Counts the expiries up to now into m_expired; returns m_expired.
uint64_t TimerFile::expire()
{
    uint64_t now = arch::monotonic_ns();
    if (m_next == 0 || now < m_next)
        return m_expired;
    uint64_t count = 1;
    if (m_interval) {
        count += (now - m_next) / m_interval;
        m_next += count * m_interval;
    } else {
        disarm();
    }
    m_expired += count;
    m_changes.changed();
    return m_expired;
}

lib::Result<size_t> TimerFile::read(void* buffer, size_t length)
{
    if (length < sizeof(uint64_t))
        return lib::Error(lib::Errno::INVAL, "timerfd: read of less than 8 bytes");
    for (;;) {
        uint32_t seen = m_changes.now();
        if (uint64_t count = expire()) {
            m_expired = 0;
            memcpy(buffer, &count, sizeof(count));
            return sizeof(count);
        }
        if (non_blocking())
            return lib::Error(lib::Errno::AGAIN, "timerfd: not expired yet");
        // Sleeps until the next expiry (or a change: timerfd_settime from another thread).
        TRY(m_changes.wait_until(seen, m_next));
    }
}

TimerFileSetting TimerFile::setting()
{
    expire();
    uint64_t now = arch::monotonic_ns();
    return { m_next ? (m_next > now ? m_next - now : 1) : 0, m_interval };
}

TimerFileSetting TimerFile::set(TimerFileSetting setting, bool absolute)
{
    TimerFileSetting old = this->setting();
    disarm();
    m_expired = 0;
    m_interval = setting.interval;
    if (setting.value) {
        m_next = absolute ? to_monotonic(setting.value) : arch::monotonic_ns() + setting.value;
        if (m_next == 0)
            m_next = 1;
        armed_timers().push_back(this);
    }
    m_changes.changed();
    return old;
}

} // namespace

lib::Result<File*> make_timer_file(TimerFileClock clock, int open_flags)
{
    File* file = new (std::nothrow) TimerFile(clock);
    if (!file)
        return lib::Error(lib::Errno::NOMEM, "no memory for a timerfd");
    file->set_open_flags(kOpenReadWrite | open_flags);
    return file;
}

lib::Result<TimerFileSetting> set_timer_file(File& file, TimerFileSetting setting, bool absolute)
{
    if (!file.is_timer())
        return lib::Error(lib::Errno::INVAL, "not a timerfd");
    return static_cast<TimerFile&>(file).set(setting, absolute);
}

lib::Result<TimerFileSetting> timer_file_setting(File& file)
{
    if (!file.is_timer())
        return lib::Error(lib::Errno::INVAL, "not a timerfd");
    return static_cast<TimerFile&>(file).setting();
}

uint64_t earliest_timer_deadline()
{
    uint64_t earliest = 0;
    auto& timers = armed_timers();
    for (TimerFile* timer = timers.front(); timer; timer = timers.next(timer))
        if (timer->next() && (!earliest || timer->next() < earliest))
            earliest = timer->next();
    return earliest;
}

} // namespace fs
