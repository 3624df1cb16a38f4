// The restart rules of interrupted system calls (restart.h), call by call as signal(7)
// lists them.
#include <kernel/syscall/restart.h>
#include <kernel/syscall/system_call_numbers.h>
#include <sched/scheduler.h>

namespace sys {

namespace {

constexpr uint64_t kSaRestart = 0x10000000; // asm-generic/signal-defs.h

// musl's SIGCANCEL (src/internal/pthread_impl.h). Its handler is installed with SA_RESTART
// and, on Linux, moves the interrupted call's instruction pointer to __cp_cancel. A handler
// the kernel calls on a call's way out sees no registers, so it cannot: the call must end
// with EINTR for __syscall_cp_c to act on the cancellation request.
constexpr int kMuslCancelSignal = 33;

// linux/futex.h
constexpr int kFutexWait = 0, kFutexLockPi = 6, kFutexWaitBitset = 9, kFutexLockPi2 = 13;
constexpr int kFutexCommandMask = ~(128 | 256); // FUTEX_PRIVATE_FLAG, FUTEX_CLOCK_REALTIME

RestartRule futex_rule(int op, long timeout)
{
    switch (op & kFutexCommandMask) {
    case kFutexWait:
    case kFutexWaitBitset: return timeout ? RestartRule::WithoutHandler : RestartRule::UnlessHandlerRefuses;
    case kFutexLockPi:
    case kFutexLockPi2: return RestartRule::Always;
    }
    return RestartRule::Never;
}

} // namespace

RestartRule restart_rule(long number, long op, long timeout)
{
    using namespace call;
    switch (number) {
    case Read:
    case Readv:
    case Write:
    case Writev:
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
    case EpollWait:
    case EpollPwait:
    case EpollPwait2:
    case Nanosleep:
    case ClockNanosleep: return RestartRule::WithoutHandler;
    case Futex: return futex_rule(int(op), timeout);
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

void note_handler_for_restart(int signal, uint64_t sa_flags, bool plain_call)
{
    sched::InterruptedCall& call = sched::current().interrupted_call;
    call.handler_ran = true;
    if (!(sa_flags & kSaRestart) || (plain_call && signal == kMuslCancelSignal))
        call.handler_ends_call = true;
}

} // namespace sys
