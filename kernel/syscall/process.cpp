// The process and the machine as the program sees them: one process (pid 1, parent 0, root
// credentials), Linux 6.1 on x86-64, resource limits, the thread area. Thread
// calls (gettid, set_tid_address, ...) are in thread.cpp.
#include <kernel/arch/x86_64/io.h>
#include <kernel/arch/x86_64/tsc.h>
#include <kernel/core/vm_exit.h>
#include <kernel/fs/fd_table.h>
#include <kernel/core/identity.h>
#include <kernel/process/process.h>
#include <kernel/syscall/syscall.h>
#include <kernel/syscall/syscall_util.h>
#include <mm/memory.h>
#include <net/kernel/stack.h>
#include <sched/scheduler.h>

#include <cstring>

namespace sys {

using process::ResourceLimits;

namespace {

// Most the end of the program waits for the network to deliver the program's last words
// to a peer that is slow to acknowledge them (one that has gone costs this much).
constexpr uint64_t kDeliveryAtExitNs = 2'000'000'000;

void copy_field(char (&field)[65], const char* text) { strncpy(field, text, sizeof(field) - 1); }

bool canonical(uintptr_t address) { return address < 0x0000'8000'0000'0000 || address >= 0xffff'8000'0000'0000; }

bool is_this_process(int pid) { return pid == 0 || pid == kProcessId; }

// A thread of the process other than its first (its tid names the process's member).
bool is_other_thread(int pid) { return pid > 0 && pid != kProcessId && sched::thread_exists(pid); }

// wait4(2)'s and waitid(2)'s options (linux/wait.h).
constexpr int kWaitNoHang = 1, kWaitUntraced = 2, kWaitExited = 4, kWaitContinued = 8, kWaitNoWait = 0x01000000,
              kWaitNoThread = 0x20000000, kWaitAll = 0x40000000, kWaitClone = int(0x80000000u);
constexpr int kWaitBothAccept = kWaitNoHang | kWaitNoThread | kWaitAll | kWaitClone;
constexpr int kWaitPidfd = 3; // waitid's P_PIDFD, the last of P_ALL, P_PID, P_PGID

} // namespace

SysResult getpgid(int pid)
{
    if (!is_this_process(pid) && !is_other_thread(pid))
        return lib::Error(lib::Errno::SRCH, "no such process");
    return kProcessId;
}

SysResult getsid(int pid) { return getpgid(pid); }

SysResult setpgid(int pid, int group)
{
    if (group < 0)
        return lib::Error(lib::Errno::INVAL, "negative process group");
    if (is_other_thread(pid))
        return lib::Error(lib::Errno::INVAL, "not a thread group leader");
    if (!is_this_process(pid))
        return lib::Error(lib::Errno::SRCH, "no such process (no children)");
    return lib::Error(lib::Errno::PERM, "a session leader cannot change its process group");
}

SysResult setsid() { return lib::Error(lib::Errno::PERM, "the process leads a process group already"); }

SysResult wait4(int, int*, int options, void*)
{
    if (options & ~(kWaitBothAccept | kWaitUntraced | kWaitContinued))
        return lib::Error(lib::Errno::INVAL, "unknown wait4 options");
    return lib::Error(lib::Errno::CHILD, "no child processes");
}

SysResult waitid(int which, int id, void* info, int options, void*)
{
    // Linux writes siginfo's si_signo, si_errno, si_code, si_pid, si_uid and si_status (all 0
    // when no child changed state) whenever infop is given, whatever the call then returns
    // (ECHILD, EINVAL): a bad infop is EFAULT before anything else.
    if (info) {
        constexpr size_t kWrittenFields = 28; // up to and with si_status, at offset 24
        TRY(check_user_range(info, kWrittenFields, UserAccess::Write));
        memset(info, 0, kWrittenFields);
    }
    constexpr int kWaitPid = 1, kWaitGroup = 2;
    if (which < 0 || which > kWaitPidfd)
        return lib::Error(lib::Errno::INVAL, "unknown waitid id type");
    if ((which == kWaitPid && id <= 0) || ((which == kWaitGroup || which == kWaitPidfd) && id < 0))
        return lib::Error(lib::Errno::INVAL, "bad waitid id");
    if (which == kWaitPidfd)
        TRY(fs::descriptors().get(id)); // EBADF for a closed one
    if (options & ~(kWaitBothAccept | kWaitUntraced | kWaitExited | kWaitContinued | kWaitNoWait))
        return lib::Error(lib::Errno::INVAL, "unknown waitid options");
    if (!(options & (kWaitUntraced | kWaitExited | kWaitContinued)))
        return lib::Error(lib::Errno::INVAL, "waitid needs WEXITED, WSTOPPED or WCONTINUED");
    return lib::Error(lib::Errno::CHILD, "no child processes");
}

// The end of the program: Linux's do_exit, with the VM stopping after it. The other threads
// stop, the files close (a socket sends its FIN, or a reset when data came that the program
// never read), and the network gets up to kDeliveryAtExitNs to deliver what the program
// sent, as Linux's kernel would after the process has gone.
void exit_group(int status)
{
    sched::stop_other_program_threads();
    fs::descriptors().close_all();
    net::deliver_before_exit(arch::monotonic_ns() + kDeliveryAtExitNs);
    core::vm_exit(status & 0xff);
}

SysResult uname(abi::Utsname* name)
{
    TRY(check_user_range(name, sizeof(*name), UserAccess::Write));
    memset(name, 0, sizeof(*name));
    copy_field(name->sysname, core::kSystemName);
    copy_field(name->nodename, core::kHostName);
    copy_field(name->release, core::kRelease);
    copy_field(name->version, core::kVersion);
    copy_field(name->machine, core::kMachine);
    copy_field(name->domainname, "(none)");
    return 0;
}

SysResult arch_prctl(int code, uintptr_t address)
{
    switch (code) {
    case abi::kArchSetFs:
        if (!canonical(address))
            return lib::Error(lib::Errno::PERM, "non-canonical FS base");
        if (sched::current().in_system_call_instruction) {
            // A program with its own libc (a static binary): it gets the value back in %fs
            // on the way out; kernel code goes on with the kernel's (thread_pointer.h).
            sched::set_program_thread_pointer(address);
            return 0;
        }
        arch::wrmsr(arch::kMsrFsBase, address); // a call from the kernel's libc: at once
        return 0;
    case abi::kArchGetFs: {
        TRY(check_user_range(reinterpret_cast<uint64_t*>(address), sizeof(uint64_t), UserAccess::Write));
        const sched::Thread& self = sched::current();
        *reinterpret_cast<uint64_t*>(address)
            = self.program_thread_pointer ? self.program_thread_pointer : arch::rdmsr(arch::kMsrFsBase);
        return 0;
    }
    case abi::kArchSetGs:
    case abi::kArchGetGs: return lib::Error(lib::Errno::INVAL, "GS is reserved for the kernel's per-CPU data");
    }
    return lib::Error(lib::Errno::INVAL, "unknown arch_prctl code");
}

SysResult prlimit64(int pid, int resource, const abi::Rlimit* new_limit, abi::Rlimit* old_limit)
{
    if (pid != 0 && pid != kProcessId)
        return lib::Error(lib::Errno::SRCH, "no such process");
    if (resource < 0 || resource >= abi::kRlimitNlimits)
        return lib::Error(lib::Errno::INVAL, "bad resource");
    abi::Rlimit requested {};
    if (new_limit) {
        TRY(check_user_range(new_limit, sizeof(*new_limit)));
        requested = *new_limit;
        if (requested.rlim_cur > requested.rlim_max)
            return lib::Error(lib::Errno::INVAL, "soft limit above hard limit");
        if (resource == abi::kRlimitNofile && requested.rlim_max > uint64_t(fs::kMaxFileDescriptors))
            return lib::Error(lib::Errno::PERM, "RLIMIT_NOFILE above fs.nr_open (1048576)");
    }
    if (old_limit)
        TRY(check_user_range(old_limit, sizeof(*old_limit), UserAccess::Write));
    process::Process& self = process::current();
    abi::Rlimit previous = self.limits().with([&](ResourceLimits& limits) {
        abi::Rlimit before = limits.of[resource];
        if (new_limit)
            limits.of[resource] = requested; // recorded and reported back; NOFILE alone is enforced
        if (new_limit && resource == abi::kRlimitNofile)
            self.files().set_limit(requested.rlim_cur); // lock order: the limits, then the table
        return before;
    });
    if (old_limit)
        *old_limit = previous;
    return 0;
}

void set_descriptor_limits(uint64_t soft, uint64_t hard)
{
    hard = hard < uint64_t(fs::kMaxFileDescriptors) ? hard : uint64_t(fs::kMaxFileDescriptors);
    soft = soft < hard ? soft : hard;
    process::Process& self = process::current();
    self.limits().with([&](ResourceLimits& limits) {
        limits.of[abi::kRlimitNofile] = { soft, hard };
        self.files().set_limit(soft);
    });
}

SysResult sysinfo(abi::Sysinfo* info)
{
    TRY(check_user_range(info, sizeof(*info), UserAccess::Write));
    auto frames = mm::frame_stats();
    memset(info, 0, sizeof(*info));
    info->uptime = int64_t(arch::monotonic_ns() / uint64_t(kNanosPerSecond));
    info->totalram = frames.total_frames * mm::kPageSize;
    info->freeram = frames.free_frames * mm::kPageSize;
    info->procs = 1;
    info->mem_unit = 1;
    return 0;
}

} // namespace sys
