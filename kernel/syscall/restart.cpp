// The restart rules of interrupted system calls (restart.h), call by call as signal(7)
// lists them. epoll_wait is not restarted even when no handler ran (Linux's ep_poll
// returns a plain EINTR).
#include <kernel/syscall/restart.h>
#include <kernel/syscall/signal_frame.h>
#include <kernel/syscall/system_call_numbers.h>
#include <sched/scheduler.h>

namespace sys {

RestartRule restart_rule(long number, long futex_op, long futex_timeout)
{
    using namespace call;
    switch (number) {
    case Read:
    case Readv:
    case Preadv2: // with offset -1: readv, which may wait on a pipe or a socket
    case Write:
    case Writev:
    case Pwritev2:
    case Ioctl:
    case Open:
    case Openat:
    case Openat2:
    case Creat:
    case Accept:
    case Accept4:
    case Connect:
    case Recvfrom:
    case Recvmsg:
    case Recvmmsg:
    case Sendto:
    case Sendmsg:
    case Sendmmsg:
    case Flock:
    case Fcntl: // F_SETLKW; its other commands do not wait
    case Getrandom:
    case Sendfile:
    case Splice:
    case Tee:
    case Vmsplice:
    case CopyFileRange: return RestartRule::UnlessHandlerRefuses;
    case Poll:
    case Ppoll:
    case Select:
    case Pselect6:
    case Nanosleep:
    case ClockNanosleep:
    case Pause:
    case RtSigsuspend: return RestartRule::WithoutHandler;
    case Futex: return futex_restart_rule(int(futex_op), futex_timeout != 0);
    }
    return RestartRule::Never;
}

bool starts_again(RestartRule rule, const sched::InterruptedCall& call)
{
    if (call.ends_with_eintr)
        return false;
    switch (rule) {
    case RestartRule::Never: return false;
    case RestartRule::WithoutHandler: return !call.handler_ran;
    case RestartRule::UnlessHandlerRefuses: return !call.handler_ends_call;
    case RestartRule::Always: return true;
    }
    return false;
}

void note_handler_for_restart(uint64_t sa_flags)
{
    sched::InterruptedCall& call = sched::current().interrupted_call;
    call.handler_ran = true;
    if (!(sa_flags & kSaRestart))
        call.handler_ends_call = true;
}

} // namespace sys
