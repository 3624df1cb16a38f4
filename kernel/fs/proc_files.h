// The few /proc files programs read: /proc/self/maps (runtimes parse it to find their
// stack and libraries) and /proc/meminfo. Each open takes a snapshot of the text, like
// reading a Linux seq_file in one go; reads and seeks then work on the snapshot.
// FIRST CUT: no /proc directory listing, no other files.
#pragma once

#include <kernel/fs/file.h>

#include <string_view>

namespace fs {

/// Whether `path` (absolute or relative to "/") names something under /proc.
bool is_proc_path(std::string_view path);

/// Opens the /proc file at `path` (is_proc_path is true): "/proc/self/maps" or
/// "/proc/meminfo". ENOENT for other /proc paths, EACCES for write access, ENOMEM.
lib::Result<File*> open_proc_file(std::string_view path, int flags);

} // namespace fs
