#include <kernel/fs/signal_file.h>
#include <sched/scheduler.h>

#include <cstring>
#include <new>

namespace fs {

namespace {

constexpr uint64_t kUnblockable = sched::signal_bit(9) | sched::signal_bit(19); // SIGKILL, SIGSTOP
constexpr uint64_t kLookAgainNs = 10'000'000;

/// struct signalfd_siginfo (include/uapi/linux/signalfd.h): 128 bytes.
struct SignalRecord {
    uint32_t ssi_signo;
    int32_t ssi_errno;
    int32_t ssi_code;
    uint32_t ssi_pid;
    uint32_t ssi_uid;
    int32_t ssi_fd;
    uint32_t ssi_tid;
    uint32_t ssi_band;
    uint32_t ssi_overrun;
    uint32_t ssi_trapno;
    int32_t ssi_status;
    int32_t ssi_int;
    uint64_t ssi_ptr;
    uint64_t ssi_utime;
    uint64_t ssi_stime;
    uint64_t ssi_addr;
    uint16_t ssi_addr_lsb;
    uint16_t pad2;
    int32_t ssi_syscall;
    uint64_t ssi_call_addr;
    uint32_t ssi_arch;
    uint8_t pad[28];
};
static_assert(sizeof(SignalRecord) == 128);
static_assert(__builtin_offsetof(SignalRecord, ssi_ptr) == 48);

/// Open signal files (under the big kernel lock, as every system call runs).
int& open_signal_files()
{
    static int count = 0;
    return count;
}

SignalRecord record_of(int signal, const sched::SignalInfo& info)
{
    SignalRecord record {};
    record.ssi_signo = uint32_t(signal);
    record.ssi_code = info.code;
    constexpr int32_t kSiTimer = -2;
    if (info.code == kSiTimer) {
        record.ssi_tid = uint32_t(info.sender);
        record.ssi_overrun = uint32_t(info.extra);
    } else {
        record.ssi_pid = uint32_t(info.sender);
        record.ssi_uid = uint32_t(info.extra);
    }
    record.ssi_int = int32_t(info.value);
    record.ssi_ptr = info.value;
    return record;
}

class SignalFile final : public File {
public:
    explicit SignalFile(uint64_t set) : m_set(set & ~kUnblockable) { ++open_signal_files(); }
    ~SignalFile() override { --open_signal_files(); }

    void set_mask(uint64_t set) { m_set = set & ~kUnblockable; }

    lib::Result<size_t> read(void* buffer, size_t length) override
    {
        if (length < sizeof(SignalRecord))
            return lib::Error(lib::Errno::INVAL, "signalfd: read of less than 128 bytes");
        size_t done = 0;
        for (;;) {
            sched::SignalInfo info;
            while (done + sizeof(SignalRecord) <= length) {
                int signal = sched::take_pending_signal_in(m_set, &info);
                if (!signal)
                    break;
                SignalRecord record = record_of(signal, info);
                memcpy(static_cast<char*>(buffer) + done, &record, sizeof(record));
                done += sizeof(record);
            }
            if (done)
                return done;
            if (non_blocking())
                return lib::Error(lib::Errno::AGAIN, "signalfd: none of its signals is pending");
            TRY(wait_for_one());
        }
    }

    uint16_t poll_events(uint16_t requested) override
    {
        bool pending = sched::current().pending_signals & m_set;
        return pending ? requested & (PollIn | PollRdNorm) : 0;
    }
    lib::Result<void> stat(LinuxStat& st) override
    {
        anonymous_inode_stat(st, this);
        return {};
    }
    size_t describe(char* out, size_t size) const override { return copy_name("anon_inode:[signalfd]", out, size); }
    bool is_signal_file() const override { return true; }

private:
    // Sleeps with the set unblocked (as sigwaitinfo does) until a signal comes; INTR when
    // one outside the set (whose handler must run) ended the sleep.
    lib::Result<void> wait_for_one()
    {
        sched::Thread& self = sched::current();
        uint64_t saved = self.signal_mask;
        auto reason = [&] {
            sched::MaskOpenedForWait opened(m_set);
            return sched::sleep_until(0, true);
        }();
        if (reason == sched::WakeReason::Interrupted && (self.pending_signals & ~saved & ~m_set))
            return lib::Error(lib::Errno::INTR, "another signal arrived");
        return {};
    }

    uint64_t m_set;
};

} // namespace

lib::Result<File*> make_signal_file(uint64_t set, int open_flags)
{
    File* file = new (std::nothrow) SignalFile(set);
    if (!file)
        return lib::Error(lib::Errno::NOMEM, "no memory for a signalfd");
    file->set_open_flags(kOpenReadOnly | open_flags);
    return file;
}

lib::Result<void> set_signal_file_mask(File& file, uint64_t set)
{
    if (!file.is_signal_file())
        return lib::Error(lib::Errno::INVAL, "not a signalfd");
    static_cast<SignalFile&>(file).set_mask(set);
    return {};
}

uint64_t signal_file_poll_interval() { return open_signal_files() > 0 ? kLookAgainNs : 0; }

} // namespace fs
