#include <kernel/fs/process_file.h>

#include <new>

namespace fs {

namespace {

class ProcessFile final : public File {
public:
    explicit ProcessFile(int pid) : m_pid(pid) { }

    size_t describe(char* out, size_t size) const override { return copy_name("anon_inode:[pidfd]", out, size); }
    lib::Result<void> stat(LinuxStat& st) override
    {
        anonymous_inode_stat(st, this);
        return {};
    }
    /// Readable once the process has ended: never, while its own threads can ask.
    uint16_t poll_events(uint16_t) override { return 0; }
    bool is_process() const override { return true; }
    int pid() const { return m_pid; }

private:
    int m_pid;
};

} // namespace

lib::Result<File*> make_process_file(int pid, int open_flags)
{
    auto* file = new (std::nothrow) ProcessFile(pid);
    if (!file)
        return lib::Error(lib::Errno::NOMEM, "pidfd");
    file->set_open_flags(kOpenReadWrite | (open_flags & kOpenNonBlocking));
    return static_cast<File*>(file);
}

lib::Result<int> process_of(File& file)
{
    if (!file.is_process())
        return lib::Error(lib::Errno::BADF, "not a pidfd");
    return static_cast<ProcessFile&>(file).pid();
}

} // namespace fs
