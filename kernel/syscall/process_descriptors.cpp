// Process file descriptors (pidfd_open(2), pidfd_getfd(2), pidfd_send_signal(2)). The
// only process is the program (pid 1), so each pidfd names the caller (fs/process_file.h).
#include <kernel/fs/fd_table.h>
#include <kernel/fs/process_file.h>
#include <kernel/syscall/signal_frame.h>
#include <kernel/syscall/syscall.h>
#include <kernel/syscall/syscall_util.h>

namespace sys {

namespace {

constexpr int kProgramPid = 1;

} // namespace

SysResult pidfd_open(int pid, unsigned flags)
{
    // PIDFD_NONBLOCK only: PIDFD_THREAD (Linux 6.9) is refused as the kernels before it do.
    if (flags & ~unsigned(fs::kOpenNonBlocking))
        return lib::Error(lib::Errno::INVAL, "bad pidfd_open flags");
    if (pid <= 0)
        return lib::Error(lib::Errno::INVAL, "pidfd_open of pid 0 or a negative pid");
    if (pid != kProgramPid)
        return lib::Error(lib::Errno::SRCH, "no such process");
    fs::File* file = TRY(fs::make_process_file(pid, int(flags) & fs::kOpenNonBlocking));
    return long(TRY(fs::descriptors().install(file, true))); // always close-on-exec, as Linux
}

SysResult pidfd_getfd(int pidfd, int target, unsigned flags)
{
    if (flags)
        return lib::Error(lib::Errno::INVAL, "pidfd_getfd flags must be 0");
    fs::FileRef process = TRY(fs::descriptors().get(pidfd));
    TRY(fs::process_of(*process));
    fs::FileRef file = TRY(fs::descriptors().get(target)); // the process is the caller
    return long(TRY(fs::descriptors().install(file.release(), true)));
}

SysResult pidfd_send_signal(int pidfd, int signal, const void* info, unsigned flags)
{
    if (flags)
        return lib::Error(lib::Errno::INVAL, "pidfd_send_signal flags: not supported");
    fs::FileRef process = TRY(fs::descriptors().get(pidfd));
    int pid = TRY(fs::process_of(*process));
    if (!info)
        return kill(pid, signal);
    TRY(check_user_range(info, sizeof(KernelSiginfo)));
    if (static_cast<const KernelSiginfo*>(info)->si_signo != signal)
        return lib::Error(lib::Errno::INVAL, "pidfd_send_signal: si_signo is not the signal sent");
    return queue_signal(pid, 0, signal, info, QueueTarget::Process);
}

} // namespace sys
