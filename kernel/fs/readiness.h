// Readiness changes of files that can block (pipes today; sockets and eventfds later),
// as poll(2) waits for them: one counter that every such change bumps, and a wait for
// it to move. poll() reads it, looks at its descriptors, and sleeps only if the counter
// has not moved since (no lost wake-up). Coarse: every change wakes every poller, which
// then looks again; epoll will want per-file wait queues.
#pragma once

#include <lib/result.h>

#include <cstdint>

namespace fs {

/// The counter's value now (read before looking at the files).
uint32_t readiness_generation();
/// A file's readiness may have changed: bumps the counter, wakes the pollers.
void readiness_changed();
/// Sleeps until the counter moves from `seen`, the monotonic `deadline_ns` (0: none) or a
/// signal. Errors: TIMEDOUT, INTR.
lib::Result<void> wait_for_readiness(uint32_t seen, uint64_t deadline_ns);

/// What a file that blocks (a pipe, an eventfd) waits on: a counter of its own changes, a
/// futex word. A waiter reads now() before it looks at the file's state, then wait()s; a
/// changer calls changed() after changing it, which also tells the pollers.
class ChangeCounter {
public:
    uint32_t now() const { return __atomic_load_n(&m_changes, __ATOMIC_ACQUIRE); }
    void changed();
    /// Sleeps until the next change after `seen` (at once if it came already). INTR when a
    /// signal ends the sleep.
    lib::Result<void> wait(uint32_t seen);
    /// As wait(), also ending at the monotonic `deadline_ns` (0: none).
    lib::Result<void> wait_until(uint32_t seen, uint64_t deadline_ns);

private:
    uint32_t m_changes = 0;
};

} // namespace fs
