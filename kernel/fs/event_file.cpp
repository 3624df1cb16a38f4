#include <kernel/fs/event_file.h>

#include <kernel/fs/readiness.h>

#include <cstring>

namespace fs {

namespace {

constexpr uint64_t kMaxCount = UINT64_MAX - 1; // eventfd(2): the counter's largest value

// The counter and its waiters; the big kernel lock guards `m_count` (every read and write
// runs in a system call).
class EventFile final : public File {
public:
    EventFile(uint64_t initial, bool semaphore) : m_count(initial), m_semaphore(semaphore) { }

    lib::Result<size_t> read(void* buffer, size_t length) override
    {
        if (length < sizeof(uint64_t))
            return lib::Error(lib::Errno::INVAL, "eventfd: read of less than 8 bytes");
        for (;;) {
            uint32_t seen = m_changes.now();
            if (m_count) {
                uint64_t value = m_semaphore ? 1 : m_count;
                m_count -= value;
                memcpy(buffer, &value, sizeof(value));
                m_changes.changed();
                return sizeof(value);
            }
            if (non_blocking())
                return lib::Error(lib::Errno::AGAIN, "eventfd: counter is 0");
            TRY(m_changes.wait(seen));
        }
    }

    lib::Result<size_t> write(const void* buffer, size_t length) override
    {
        if (length < sizeof(uint64_t))
            return lib::Error(lib::Errno::INVAL, "eventfd: write of less than 8 bytes");
        uint64_t value;
        memcpy(&value, buffer, sizeof(value));
        if (value == UINT64_MAX)
            return lib::Error(lib::Errno::INVAL, "eventfd: 2^64 - 1 cannot be added");
        for (;;) {
            uint32_t seen = m_changes.now();
            if (value <= kMaxCount - m_count) {
                m_count += value;
                m_changes.changed();
                return sizeof(value);
            }
            if (non_blocking())
                return lib::Error(lib::Errno::AGAIN, "eventfd: counter would overflow");
            TRY(m_changes.wait(seen));
        }
    }

    size_t describe(char* out, size_t size) const override { return copy_name("anon_inode:[eventfd]", out, size); }
    lib::Result<void> stat(LinuxStat& st) override
    {
        anonymous_inode_stat(st, this);
        return {};
    }

    uint32_t change_count() const override { return m_changes.now(); }

    uint16_t poll_events(uint16_t requested) override
    {
        uint16_t events = 0;
        if (m_count)
            events |= PollIn | PollRdNorm;
        if (m_count < kMaxCount)
            events |= PollOut | PollWrNorm;
        return events & requested;
    }

private:
    uint64_t m_count;
    bool m_semaphore;
    ChangeCounter m_changes;
};

} // namespace

lib::Result<File*> make_event_file(uint64_t initial, bool semaphore, int open_flags)
{
    auto* file = new EventFile(initial, semaphore);
    if (!file)
        return lib::Error(lib::Errno::NOMEM, "no memory for an eventfd");
    file->set_open_flags(kOpenReadWrite | open_flags);
    return static_cast<File*>(file);
}

} // namespace fs
