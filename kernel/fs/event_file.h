// eventfd(2): a 64-bit counter as a file, the wake-up channel of event loops (libuv,
// glib, tokio, nginx's thread pool). A write of 8 bytes adds to it (blocking, or EAGAIN,
// while that would pass 2^64 - 2); a read of 8 bytes returns it and sets it to 0, or with
// EFD_SEMAPHORE returns 1 and takes 1; a read blocks while it is 0. poll: readable while it
// is above 0, writable while 1 more fits.
#pragma once

#include <kernel/fs/file.h>

namespace fs {

/// A new eventfd counter starting at `initial`; `semaphore`: EFD_SEMAPHORE reads.
/// `open_flags`: O_NONBLOCK or 0. NOMEM.
lib::Result<File*> make_event_file(uint64_t initial, bool semaphore, int open_flags);

} // namespace fs
