// Open file descriptions: what a file descriptor refers to. One subclass per kind of file
// (console, ROFS file, ...). The default of every operation is the error Linux gives for a
// file that cannot do it.
#pragma once

#include <kernel/fs/linux_stat.h>
#include <vfs/node.h>
#include <mm/area.h>
#include <lib/intrusive_list.h>
#include <lib/result.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace fs {

enum class Whence { Set = 0, Current = 1, End = 2 };

/// poll(2) events (asm-generic/poll.h).
enum PollEvents : uint16_t {
    PollIn = 0x1,
    PollPri = 0x2,
    PollOut = 0x4,
    PollErr = 0x8,
    PollHup = 0x10,
    PollNval = 0x20,
    PollRdNorm = 0x40,
    PollWrNorm = 0x100,
};

/// Open flags (Linux values, include/uapi/asm-generic/fcntl.h), as open(2), pipe2(2),
/// eventfd2(2) and F_SETFL take them.
constexpr int kOpenAccessMask = 03, kOpenReadOnly = 00, kOpenWriteOnly = 01, kOpenReadWrite = 02, kOpenCreate = 0100,
              kOpenExclusive = 0200, kOpenTruncate = 01000, kOpenAppend = 02000, kOpenNonBlocking = 04000,
              kOpenDirectory = 0200000, kOpenNoFollow = 0400000, kOpenCloseOnExec = 02000000, kOpenPath = 010000000,
              kOpenTemporary = 020000000;

/// lseek(2)'s arithmetic for a file of `size` bytes at `position`: the new position, or
/// EINVAL (bad whence, before 0) or EOVERFLOW.
inline lib::Result<uint64_t> seek_position(uint64_t position, uint64_t size, int64_t offset, Whence whence)
{
    if (whence != Whence::Set && whence != Whence::Current && whence != Whence::End)
        return lib::Errno::INVAL;
    int64_t base = whence == Whence::Set ? 0 : whence == Whence::Current ? int64_t(position) : int64_t(size);
    if (offset > 0 && base > INT64_MAX - offset)
        return lib::Errno::OVERFLOW;
    if (base + offset < 0)
        return lib::Errno::INVAL;
    return uint64_t(base + offset);
}

/// The stat(2) of an anonymous inode (epoll, eventfd, timerfd, signalfd): anon_inodefs,
/// no file type bits, as on Linux; `identity` gives st_ino.
inline void anonymous_inode_stat(LinuxStat& st, const void* identity)
{
    st = {};
    st.st_dev = 13; // anon_inodefs
    st.st_ino = reinterpret_cast<uintptr_t>(identity) >> 4;
    st.st_nlink = 1;
    st.st_mode = 0600;
    st.st_blksize = 4096;
}

/// Something that must know when a file goes away: an epoll item (fs/epoll.cpp), which
/// Linux removes from its set when the file's last reference goes. Kept on the file's list
/// and told from its destructor. The list is guarded by the big kernel lock, as epoll is.
struct FileWatch {
    lib::ListNode node;
    void (*file_gone)(FileWatch& watch) = nullptr;
};

class File {
public:
    virtual ~File()
    {
        while (FileWatch* watch = m_watches.pop_front())
            watch->file_gone(*watch);
    }

    virtual lib::Result<size_t> read(void*, size_t) { return lib::Errno::INVAL; }
    virtual lib::Result<size_t> write(const void*, size_t) { return lib::Errno::BADF; }
    virtual lib::Result<size_t> pread(void*, size_t, uint64_t) { return lib::Errno::SPIPE; }
    /// Positioned write; streams (console, pipes) are ESPIPE as on Linux.
    virtual lib::Result<size_t> pwrite(const void*, size_t, uint64_t) { return lib::Errno::SPIPE; }
    virtual lib::Result<uint64_t> seek(int64_t, Whence) { return lib::Errno::SPIPE; }
    /// ftruncate(2); EINVAL for anything but a regular file open for writing.
    virtual lib::Result<void> truncate(uint64_t)
    {
        return lib::Error(lib::Errno::INVAL, "ftruncate: not a regular file");
    }
    /// getdents64(2): struct linux_dirent64 records from the current position; 0 at the
    /// end. ENOTDIR for a non-directory, EINVAL if one record does not fit.
    virtual lib::Result<size_t> read_directory(void*, size_t)
    {
        return lib::Error(lib::Errno::NOTDIR, "getdents64: not a directory");
    }
    /// What /proc/self/fd/N says it is ("/tmp/x", "pipe:[N]", "anon_inode:[eventfd]"):
    /// written into `out` (truncated to `size`), returns the length.
    virtual size_t describe(char* out, size_t size) const { return copy_name("anon_inode:[file]", out, size); }
    /// Copies `name` into `out`, truncated to `size`; its length.
    static size_t copy_name(std::string_view name, char* out, size_t size);
    /// The tree node it was opened from (for the *at calls, fchdir, fchmod...); null for
    /// files that have none (pipes, epoll, the console on 0-2).
    virtual vfs::Node* node() const { return nullptr; }
    virtual lib::Result<void> stat(LinuxStat&) = 0;
    /// The file's pages for mmap(2) without copying; ENODEV when the file cannot be mapped.
    /// The MappedFile lives as long as the VM (mappings outlive the descriptor).
    virtual lib::Result<const mm::MappedFile*> mapping()
    {
        return lib::Error(lib::Errno::NODEV, "this file cannot be mapped");
    }
    /// Whether isatty() should say yes (ioctl TCGETS succeeds).
    virtual bool is_terminal() const { return false; }
    /// Which of the `requested` poll events hold now, plus PollErr/PollHup (always
    /// reported). The default: a file that never blocks is ready for everything.
    virtual uint16_t poll_events(uint16_t requested)
    {
        return requested & (PollIn | PollOut | PollRdNorm | PollWrNorm);
    }
    /// Whether epoll may watch it (Linux refuses regular files and directories: EPERM).
    virtual bool pollable() const { return true; }
    /// How many times its readiness may have changed (a pipe's or eventfd's ChangeCounter);
    /// 0 for a file whose readiness never changes. epoll's EPOLLET compares it.
    virtual uint32_t change_count() const { return 0; }
    /// Whether it is an epoll instance (no RTTI in the kernel).
    virtual bool is_epoll() const { return false; }
    /// Whether it is a timerfd (timer_file.h) or a signalfd (signal_file.h).
    virtual bool is_timer() const { return false; }
    virtual bool is_signal_file() const { return false; }
    /// Whether it is an end of a pipe or FIFO (pipe.h).
    virtual bool is_pipe() const { return false; }
    /// Whether it is a pidfd (process_file.h).
    virtual bool is_process() const { return false; }
    /// Whether it is a socket (net/kernel/socket.h: a net::Socket).
    virtual bool is_socket() const { return false; }
    /// Bytes a read would return now without blocking (ioctl FIONREAD), or NOTTY.
    virtual lib::Result<size_t> bytes_readable()
    {
        return lib::Error(lib::Errno::NOTTY, "FIONREAD: not supported on this file");
    }
    bool non_blocking() const { return m_open_flags & kOpenNonBlocking; }
    /// Open flags (O_ACCMODE bits, O_APPEND...) as given to open, for fcntl(F_GETFL).
    int open_flags() const { return m_open_flags; }
    void set_open_flags(int flags) { m_open_flags = flags; }

    /// Starts / stops telling `watch` when this file goes away.
    void add_watch(FileWatch& watch) { m_watches.push_back(&watch); }
    void remove_watch(FileWatch& watch) { m_watches.remove(&watch); }

    // Atomic: descriptor tables hand out references on any CPU.
    void ref() { __atomic_add_fetch(&m_references, 1, __ATOMIC_RELAXED); }
    /// Drops a reference; deletes the file when it was the last.
    void unref()
    {
        if (__atomic_sub_fetch(&m_references, 1, __ATOMIC_ACQ_REL) == 0)
            delete this;
    }

private:
    int m_references = 1;
    int m_open_flags = 0;
    lib::IntrusiveList<FileWatch, &FileWatch::node> m_watches;
};

/// A counted reference to an open file, dropped when it goes out of scope: what a system
/// call holds while it may block (another thread may close the descriptor meanwhile).
class FileRef {
public:
    explicit FileRef(File* file) : m_file(file) { m_file->ref(); }
    /// Takes over a reference the caller already holds.
    static FileRef adopt(File* file) { return FileRef(file, Adopt {}); }
    FileRef(FileRef&& other) : m_file(other.m_file) { other.m_file = nullptr; }
    FileRef(const FileRef&) = delete;
    FileRef& operator=(const FileRef&) = delete;
    ~FileRef()
    {
        if (m_file)
            m_file->unref();
    }
    File* operator->() const { return m_file; }
    File& operator*() const { return *m_file; }
    File* get() const { return m_file; }
    /// Gives the reference up without dropping it (the caller now owns it).
    File* release()
    {
        File* file = m_file;
        m_file = nullptr;
        return file;
    }

private:
    struct Adopt { };
    FileRef(File* file, Adopt) : m_file(file) { }
    File* m_file;
};

} // namespace fs
