// The few /proc files programs read: /proc/self/maps (runtimes parse it to find their
// stack and libraries) and /proc/meminfo. Each open takes a snapshot of the text, like
// reading a Linux seq_file in one go; reads and seeks then work on the snapshot.
// FIRST CUT: no /proc directory listing, no other files, absolute paths only.
#pragma once

#include <kernel/fs/file.h>

#include <string_view>

namespace fs {

/// Whether absolute `path` names something under /proc (the directory itself is the
/// root tree's; relative paths into /proc are not recognised yet).
bool is_proc_path(std::string_view path);

/// Opens the /proc file at `path` (is_proc_path is true): "/proc/self/maps" or
/// "/proc/meminfo". ENOENT for other /proc paths, EACCES for write access, ENOMEM.
lib::Result<File*> open_proc_file(std::string_view path, int flags);

} // namespace fs
