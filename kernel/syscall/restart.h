// System calls that a signal interrupts: whether one ends with EINTR or starts again once
// the signal has been delivered, as Linux decides (signal(7), "Interruption of system
// calls and library functions by signal handlers"; in Linux, the ERESTARTSYS family of
// return codes that handle_signal turns into a restart or into EINTR).
//
// A wait ends with EINTR inside the kernel whatever the call; the signals delivered during
// the call (sched::Thread::interrupted_call) and the call's rule say what the program sees:
// - Never: EINTR (sigsuspend, sigtimedwait, calls that do not block);
// - WithoutHandler: starts again only if no handler ran (poll, select, epoll_wait,
//   nanosleep, a futex wait with a timeout: ERESTARTNOHAND, restart blocks);
// - UnlessHandlerRefuses: starts again unless a handler without SA_RESTART ran (read,
//   write, accept, connect, recv, send, flock, a futex wait without a timeout: ERESTARTSYS);
// - Always: FUTEX_LOCK_PI (ERESTARTNOINTR).
// A call that knows better says so (InterruptedCall::ends_with_eintr: a socket with
// SO_RCVTIMEO or SO_SNDTIMEO ends with EINTR, as Linux's sock_intr_errno does).
//
// Unlike Linux, a call restarted after no handler ran waits its whole relative timeout
// again (Linux's restart blocks keep the deadline); since ignored signals are dropped when
// sent (sched::Disposition), only a disposition changed between sending and delivery, or
// an ignored timer signal, gets there.
#pragma once

#include <sched/thread.h>

#include <cstdint>

namespace sys {

enum class RestartRule : uint8_t { Never, WithoutHandler, UnlessHandlerRefuses, Always };

/// The rule of system call `number`; `op` and `timeout` are its second and fourth
/// arguments, which decide for futex(2).
RestartRule restart_rule(long number, long op, long timeout);

/// Whether a call under `rule` that ended with EINTR starts again after the deliveries
/// `call` records.
bool starts_again(RestartRule rule, const sched::InterruptedCall& call);

/// How a handler with flags `sa_flags` runs for signal `signal` during the calling
/// thread's system call, recorded for its restart. `plain_call`: the handler is called by
/// the kernel on the call's way out (no registers in its context), not entered through a
/// signal frame.
void note_handler_for_restart(int signal, uint64_t sa_flags, bool plain_call);

} // namespace sys
