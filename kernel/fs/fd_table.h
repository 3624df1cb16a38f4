// A process's file descriptor table (process::Process owns it; the fd_* functions below
// work on the calling thread's). Descriptors 0, 1 and 2 start on the console. The table
// grows as descriptors are taken, up to the process's RLIMIT_NOFILE soft limit
// (set_limit), as Linux's does. Its own spinlock guards it: every operation is short, and
// files are released (File::unref, which may close a socket) after the lock is dropped.
#pragma once

#include <abi/linux_abi.h>
#include <kernel/arch/x86_64/spin_lock.h>
#include <kernel/fs/file.h>
#include <lib/guarded.h>

#include <cstdint>

namespace fs {

/// Most descriptors a process may ever have: Linux's fs.nr_open default (the ceiling of
/// RLIMIT_NOFILE).
constexpr int kMaxFileDescriptors = 1 << 20;
/// RLIMIT_NOFILE's soft limit until the boot line or the program sets another (Linux's).
constexpr int kDefaultDescriptorLimit = linux_abi::kInitialOpenFilesLimit;

class FdTable {
public:
    FdTable() = default;
    /// Closes what is still open (close_all) and frees a grown table.
    ~FdTable();
    FdTable(const FdTable&) = delete;
    FdTable& operator=(const FdTable&) = delete;

    /// Installs the console on descriptors 0, 1 and 2 (the table must be empty).
    void open_console();
    /// New descriptors must be below `limit` (RLIMIT_NOFILE's soft limit, at most
    /// kMaxFileDescriptors); open ones above it stay, as on Linux.
    void set_limit(uint64_t limit);
    /// The limit set_limit set (kDefaultDescriptorLimit until then).
    int limit();
    /// The lowest free descriptor now refers to `file` (the table takes the reference);
    /// EMFILE when every descriptor below the limit is taken, ENOMEM when the table cannot
    /// grow (the reference is dropped then).
    lib::Result<int> install(File* file, bool close_on_exec);
    /// Installs two files on the two lowest free descriptors (pipe2, socketpair), written
    /// to `out[0]` and `out[1]`, both at once; the table takes both references. EMFILE when
    /// both do not fit, ENOMEM when the table cannot grow: then neither is installed and
    /// both references are dropped.
    lib::Result<void> install_pair(File* first, File* second, bool close_on_exec, int* out);
    /// The file behind `fd`, counted: valid until the FileRef goes, even if the descriptor
    /// is closed meanwhile by another thread. EBADF if none.
    lib::Result<FileRef> get(int fd);
    lib::Result<void> close(int fd);
    /// Closes every descriptor, as the end of a process does (Linux's exit_files).
    void close_all();
    /// dup/dup2/dup3/F_DUPFD: `new_fd` is the lowest acceptable new descriptor; `exact`
    /// asks for exactly new_fd (closing what is there). EBADF for a new_fd at or above the
    /// limit when exact, EINVAL when not (F_DUPFD's errors); EMFILE when none is free.
    lib::Result<int> duplicate(int fd, int new_fd, bool exact, bool close_on_exec);
    lib::Result<bool> close_on_exec(int fd);
    lib::Result<void> set_close_on_exec(int fd, bool value);
    /// The lowest open descriptor at or above `from`, or -1 (for /proc/self/fd).
    int next(int from);

private:
    struct Slot {
        File* file;
        bool close_on_exec;
    };
    // slots[0, capacity). The first kDefaultDescriptorLimit are inline (most programs never
    // need more); past them the table doubles on the heap when a descriptor beyond it is
    // wanted, never past `limit`.
    struct Slots {
        Slot first[kDefaultDescriptorLimit] = {};
        Slot* slots = first;
        int capacity = kDefaultDescriptorLimit;
        int limit = kDefaultDescriptorLimit;

        bool valid(int fd) const { return fd >= 0 && fd < capacity && slots[fd].file; }
    };
    /// What a search for a free descriptor found: one (claimed), none below the limit,
    /// or the table's end, which must grow first.
    struct Claim {
        int fd;
        bool grow;
    };

    lib::Result<void> reach(int fd);
    lib::Result<int> claim_lowest(int from, File* file, bool close_on_exec);
    static Claim claim_lowest_locked(Slots& slots, int from, File* file, bool close_on_exec);

    lib::Guarded<Slots, arch::SpinLock> m_slots;
};

/// The calling thread's process's table (process::current().files()).
FdTable& descriptors();

} // namespace fs
