// /proc and /sys: files the kernel makes when they are opened, for the one process (pid 1,
// "self"). The root tree holds /proc and /sys as directories marked foreign
// (vfs::Tree::mark_foreign), so every path that reaches them, through symlinks too
// (/dev/stdin -> /proc/self/fd/0), comes here as an absolute path.
//
// What exists: /proc/{meminfo,cpuinfo,stat,uptime,loadavg,version,filesystems,mounts,
// self,1}, /proc/1/{maps,status,stat,statm,cmdline,environ,comm,mounts,mountinfo,exe,cwd,
// root,fd/,task/}, /proc/sys/kernel/{hostname,ostype,osrelease,pid_max,random/uuid},
// /proc/sys/vm/overcommit_memory, /proc/sys/net/core/somaxconn,
// /sys/devices/system/cpu/{online,possible,present}. Everything is read-only.
// FIRST CUT: no smaps, auxv, fdinfo, limits, task/TID contents.
#pragma once

#include <kernel/fs/file.h>

#include <span>
#include <string_view>

namespace fs {

/// Records the program's argv and environment for /proc/self/{cmdline,environ,exe,comm};
/// called once before the program starts (the strings must stay valid).
void set_program_identity(std::span<const std::string_view> argv, std::span<const std::string_view> envp);

/// open(2) of a /proc or /sys path: a snapshot file, a listable directory, or, for
/// /proc/self/fd/N, the descriptor's file opened again. ENOENT, EACCES for write access,
/// ENOTDIR, ENOMEM.
/// `resolve`: openat2's RESOLVE_* bits (vfs::Resolve): a magic link (fd/N, exe, cwd, root)
/// is ELOOP under RESOLVE_NO_MAGICLINKS or NO_SYMLINKS, EXDEV under BENEATH or IN_ROOT.
lib::Result<File*> open_kernel_file(std::string_view path, int flags, unsigned resolve = 0);
/// stat(2); `follow` decides for a final symlink (self, exe, cwd, fd/N).
lib::Result<void> stat_kernel_file(std::string_view path, LinuxStat& st, bool follow);
/// The node a magic link (/proc/self/fd/N, cwd, exe, root) stands for, for the calls that
/// change a file by path (chmod, chown, utimensat, truncate), as Linux follows these links
/// (musl's fchmodat with AT_SYMLINK_NOFOLLOW chmods /proc/self/fd/N). EACCES for any other
/// /proc or /sys path, which cannot be changed.
lib::Result<lib::RefPtr<vfs::Node>> kernel_link_node(std::string_view path);
/// readlink(2) into `out` (truncated to `size`): its length. EINVAL for a non-symlink.
lib::Result<size_t> read_kernel_link(std::string_view path, char* out, size_t size);

} // namespace fs
