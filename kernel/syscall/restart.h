// System calls that a signal interrupts: whether one ends with EINTR or starts again once
// the signal has been delivered, as Linux decides (signal(7), "Interruption of system
// calls and library functions by signal handlers"; in Linux, the ERESTARTSYS family of
// return codes that handle_signal turns into a restart or into EINTR).
//
// A wait ends with EINTR inside the kernel whatever the call; the signals delivered during
// the call (sched::Thread::interrupted_call) and the call's rule say what the program sees:
// - Never: EINTR (sigtimedwait, epoll_wait, calls that do not block);
// - WithoutHandler: starts again only if no handler ran (poll, select, nanosleep, pause,
//   sigsuspend, a futex wait with a timeout: ERESTARTNOHAND and restart blocks);
// - UnlessHandlerRefuses: starts again unless a handler without SA_RESTART ran (read,
//   write, accept, connect, recv, send, a futex wait without a timeout: ERESTARTSYS);
// - Always: FUTEX_LOCK_PI (ERESTARTNOINTR).
// A call that knows better says so (InterruptedCall::ends_with_eintr: a socket with
// SO_RCVTIMEO or SO_SNDTIMEO ends with EINTR, as Linux's sock_intr_errno does). A handler
// the kernel calls on the way out that moves its context's REG_RIP (musl's cancellation
// handler moves it to __cp_cancel) ends the call: osprey_syscall resumes at the new address.
//
// On the syscall instruction's path the first signal delivered with a handler decides, as
// in Linux; on osprey_syscall's, any handler without SA_RESTART among those run ends the
// call (Linux lets the first decide and delivers the others after the restart).
//
// Signals the program ignores are dropped when sent (sched::set_signal_ignored), so "no
// handler ran" needs a disposition changed to a handler's between the sending and the
// delivery; a call restarted then waits its whole relative timeout again, where Linux's
// restart blocks (nanosleep, poll) keep the deadline.
#pragma once

#include <sched/thread.h>

#include <cstdint>

namespace sys {

enum class RestartRule : uint8_t { Never, WithoutHandler, UnlessHandlerRefuses, Always };

/// The rule of system call `number`; for futex(2), `futex_op` and `futex_timeout` (its
/// second and fourth arguments) decide.
RestartRule restart_rule(long number, long futex_op, long futex_timeout);

/// The rule of futex(2) operation `op` (thread.cpp, beside the operations), `timed` when
/// it was given a timeout.
RestartRule futex_restart_rule(int op, bool timed);

/// Whether a call under `rule` that ended with EINTR starts again after the deliveries
/// `call` records.
bool starts_again(RestartRule rule, const sched::InterruptedCall& call);

/// Records, for the calling thread's system call, that a handler with flags `sa_flags`
/// runs for a signal delivered during it.
void note_handler_for_restart(uint64_t sa_flags);

} // namespace sys
