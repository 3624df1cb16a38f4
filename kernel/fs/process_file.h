// pidfd_open(2): a file that stands for a process. Osprey runs one process, the caller,
// so a pidfd names the program itself: it never becomes readable (that would mean the
// process ended, and nobody is left to poll then), pidfd_send_signal signals the program
// and pidfd_getfd duplicates one of its own descriptors.
#pragma once

#include <kernel/fs/file.h>

namespace fs {

/// A new pidfd for the process `pid`; `open_flags`: O_NONBLOCK or 0. NOMEM.
lib::Result<File*> make_process_file(int pid, int open_flags);
/// The process a pidfd stands for, or EBADF when `file` is not a pidfd.
lib::Result<int> process_of(File& file);

} // namespace fs
