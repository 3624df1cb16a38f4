// The file descriptor table of the (single) process. Descriptors 0, 1 and 2 start on the
// console. Single-threaded for now: no lock yet (threads come with the scheduler).
#pragma once

#include <kernel/fs/file.h>

namespace fs {

constexpr int kMaxFileDescriptors = 1024;

/// Installs the console on descriptors 0, 1 and 2.
void fd_table_init();
/// The lowest free descriptor now refers to `file` (the table takes the reference);
/// EMFILE when full (the reference is dropped then).
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
/// dup/dup2/dup3/F_DUPFD: `min_fd` is the lowest acceptable new descriptor; `exact` asks
/// for exactly new_fd (closing what is there).
lib::Result<int> fd_duplicate(int fd, int new_fd, bool exact, bool close_on_exec);
lib::Result<bool> fd_close_on_exec(int fd);
lib::Result<void> fd_set_close_on_exec(int fd, bool value);
/// The lowest open descriptor at or above `from`, or -1 (for /proc/self/fd).
int fd_next(int from);

} // namespace fs
