// signalfd(2): the calling thread's pending signals of a set, read as records
// (struct signalfd_siginfo) instead of run as handlers; the set is normally blocked with
// sigprocmask so that only the file sees them. A read takes as many as fit (waiting for
// one unless O_NONBLOCK); poll sees it readable while one of the set is pending.
// FIRST CUT: a signal made pending while a poll, select or epoll wait sleeps does not wake
// it at once: those waits look again every 10 ms while a signalfd is open
// (signal_file_poll_interval).
#pragma once

#include <kernel/fs/file.h>

namespace fs {

/// A new signalfd for `set` (a signal mask; SIGKILL and SIGSTOP are ignored);
/// `open_flags`: O_NONBLOCK or 0. NOMEM.
lib::Result<File*> make_signal_file(uint64_t set, int open_flags);
/// signalfd(fd, ...) on an existing one: replaces its set. EINVAL if `file` is not one.
lib::Result<void> set_signal_file_mask(File& file, uint64_t set);

/// How long a poll, select or epoll wait may sleep before it looks again: 10 ms while a
/// signalfd is open, else 0 (no limit).
uint64_t signal_file_poll_interval();

} // namespace fs
