// The file descriptor table of the (single) process. Descriptors 0, 1 and 2 start on the
// console. The table grows as descriptors are taken, up to the process's RLIMIT_NOFILE
// soft limit (fd_set_limit), as Linux's does; the big kernel lock guards it.
#pragma once

#include <kernel/fs/file.h>

#include <cstdint>

namespace fs {

/// Most descriptors a process may ever have: Linux's fs.nr_open default (the ceiling of
/// RLIMIT_NOFILE).
constexpr int kMaxFileDescriptors = 1 << 20;
/// RLIMIT_NOFILE's soft limit until the boot line or the program sets another (Linux's).
constexpr int kDefaultDescriptorLimit = 1024;

/// Installs the console on descriptors 0, 1 and 2.
void fd_table_init();
/// New descriptors must be below `limit` (RLIMIT_NOFILE's soft limit, at most
/// kMaxFileDescriptors); open ones above it stay, as on Linux.
void fd_set_limit(uint64_t limit);
/// The limit fd_set_limit set (kDefaultDescriptorLimit until then).
int fd_limit();
/// The lowest free descriptor now refers to `file` (the table takes the reference);
/// EMFILE when every descriptor below the limit is taken, ENOMEM when the table cannot
/// grow (the reference is dropped then).
lib::Result<int> fd_install(File* file, bool close_on_exec);
/// The file behind `fd` (borrowed: valid until the descriptor is closed); EBADF if none.
/// Installs two files on the two lowest free descriptors (pipe2, socketpair), written
/// to `out[0]` and `out[1]`; the table takes both references. EMFILE when both do not
/// fit: then neither is installed and both references are dropped.
lib::Result<void> fd_install_pair(File* first, File* second, bool close_on_exec, int* out);
lib::Result<File*> fd_get(int fd);
/// The file behind `fd`, counted: valid until the FileRef goes, even if the descriptor is
/// closed meanwhile (for operations that may block). EBADF if none.
lib::Result<FileRef> fd_reference(int fd);
lib::Result<void> fd_close(int fd);
/// Closes every descriptor, as the end of a process does (Linux's exit_files).
void fd_close_all();
/// dup/dup2/dup3/F_DUPFD: `new_fd` is the lowest acceptable new descriptor; `exact` asks
/// for exactly new_fd (closing what is there). EBADF for a new_fd at or above the limit
/// when exact, EINVAL when not (F_DUPFD's errors); EMFILE when none is free.
lib::Result<int> fd_duplicate(int fd, int new_fd, bool exact, bool close_on_exec);
lib::Result<bool> fd_close_on_exec(int fd);
lib::Result<void> fd_set_close_on_exec(int fd, bool value);
/// The lowest open descriptor at or above `from`, or -1 (for /proc/self/fd).
int fd_next(int from);

} // namespace fs
