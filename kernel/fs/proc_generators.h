// The contents of the /proc and /sys files (proc_fs.cpp's table points here). Each writes
// the whole file into `text`; false when out of memory.
#pragma once

#include <kernel/fs/proc_text.h>

#include <span>
#include <string_view>

namespace fs::proc {

bool maps(ProcText& text);
bool meminfo(ProcText& text);
bool cpuinfo(ProcText& text);
bool system_stat(ProcText& text);
bool uptime(ProcText& text);
bool loadavg(ProcText& text);
bool version(ProcText& text);
bool filesystems(ProcText& text);
bool mounts(ProcText& text);
bool mountinfo(ProcText& text);
bool status(ProcText& text);
bool process_stat(ProcText& text);
bool statm(ProcText& text);
bool cmdline(ProcText& text);
bool environ(ProcText& text);
bool comm(ProcText& text);
/// /proc/1/task/TID/{comm,status,stat}: thread `tid`'s (empty if it has just ended).
bool task_comm(ProcText& text, int tid);
bool task_status(ProcText& text, int tid);
bool task_stat(ProcText& text, int tid);
bool hostname(ProcText& text);
bool ostype(ProcText& text);
bool osrelease(ProcText& text);
bool pid_max(ProcText& text);
bool uuid(ProcText& text);
bool overcommit_memory(ProcText& text);
bool somaxconn(ProcText& text);
bool cpu_list(ProcText& text);
// Symlink targets.
bool link_self(ProcText& text);
bool link_exe(ProcText& text);
bool link_cwd(ProcText& text);
bool link_root(ProcText& text);

} // namespace fs::proc
