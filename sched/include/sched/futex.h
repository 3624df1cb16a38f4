// Futexes (futex(2)): wait while a 32-bit word holds an expected value, wake waiters by
// address. The primitive under every pthread mutex, condition variable, barrier, rwlock,
// semaphore and join. One address space, so FUTEX_PRIVATE_FLAG changes nothing and every
// futex is keyed by its virtual address.
//
// The caller (kernel/syscall/thread.cpp) has checked that every word is mapped and
// turned every timeout into a monotonic deadline.
#pragma once

#include <lib/result.h>

#include <cstddef>
#include <cstdint>

namespace sched {

constexpr uint32_t kFutexBitsetMatchAny = 0xffffffff;

/// FUTEX_WAIT(_BITSET): if *word == expected, sleeps until woken by a wake whose bitset
/// shares a bit with `bitset`, the deadline (monotonic ns, 0: none) or a signal.
/// Errors: AGAIN (the word differs), TIMEDOUT, INTR, INVAL (bitset 0).
lib::Result<void> futex_wait(const uint32_t* word, uint32_t expected, uint32_t bitset, uint64_t deadline_ns);

/// FUTEX_WAKE(_BITSET): wakes up to `count` waiters on `word` whose bitset matches.
/// Returns how many woke.
size_t futex_wake(const uint32_t* word, size_t count, uint32_t bitset);

/// FUTEX_REQUEUE / FUTEX_CMP_REQUEUE: wakes up to `wake` waiters on `from`, moves up to
/// `requeue` of the rest to wait on `to`. With `expected` non-null, first checks *from ==
/// *expected (AGAIN otherwise). Returns woken + moved (CMP_REQUEUE) as Linux does.
lib::Result<size_t> futex_requeue(
    const uint32_t* from, const uint32_t* to, size_t wake, size_t requeue, const uint32_t* expected);

/// FUTEX_WAKE_OP: atomically applies `op` (FUTEX_OP encoding) to *word2, wakes up to
/// `wake1` waiters on word1, and up to `wake2` on word2 if the old value of *word2 passes
/// op's comparison. Returns the total woken. INVAL/NOSYS for a bad op.
lib::Result<size_t> futex_wake_op(const uint32_t* word1, uint32_t* word2, size_t wake1, size_t wake2, uint32_t op);

/// FUTEX_LOCK_PI (and LOCK_PI2; TRYLOCK_PI with `try_only`): takes the lock whose word
/// holds its owner's tid (0: free; FUTEX_WAITERS and FUTEX_OWNER_DIED bits above): a free
/// word gets the caller's tid (keeping OWNER_DIED); a held one gets FUTEX_WAITERS and the
/// caller sleeps until an unlock hands it the lock, the deadline (monotonic ns, 0: none)
/// or a signal. The scheduler gives every thread the same priority, so there is no
/// priority to lend the owner: the protocol is Linux's without the boost. Errors: DEADLK
/// (the caller owns it), SRCH (the owner is gone without releasing it), AGAIN (try_only,
/// held), TIMEDOUT, INTR (a signal; the system call starts again, as Linux's does:
/// kernel/syscall/restart.h). Not as Linux: waiters already asleep when a non-robust owner
/// exits are not handed the lock, and PI and plain waiters on one word are not told apart
/// (Linux: EINVAL); musl never mixes them.
lib::Result<void> futex_lock_pi(uint32_t* word, uint64_t deadline_ns, bool try_only);

/// FUTEX_UNLOCK_PI: the caller, owner of the lock, hands it to its first waiter (the word
/// becomes that waiter's tid, with FUTEX_WAITERS if more wait) or frees it (0). EPERM when
/// the caller is not the owner.
lib::Result<void> futex_unlock_pi(uint32_t* word);

} // namespace sched
