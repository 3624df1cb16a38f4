// The futex table (scheduler_state.h: waiters hashed by address, FIFO per bucket), and
// what a thread's exit does to futexes: CLONE_CHILD_CLEARTID and the robust list.
#include <sched/futex.h>

#include "scheduler_state.h"

#include <sched/scheduler.h>

#include <mm/address_space.h>

namespace sched {

namespace {

uintptr_t key(const uint32_t* word) { return reinterpret_cast<uintptr_t>(word); }

size_t wake_locked(SchedulerState& state, uintptr_t address, size_t count, uint32_t bitset)
{
    ThreadQueue& bucket = state.futexes.bucket(address);
    size_t woken = 0;
    for (Thread* thread = bucket.front(); thread && woken < count;) {
        Thread* next = bucket.next(thread);
        if (thread->futex_address == address && (thread->futex_bitset & bitset)) {
            bucket.remove(thread);
            thread->futex_address = 0;
            make_runnable_locked(state, *thread, WakeReason::Woken);
            ++woken;
        }
        thread = next;
    }
    return woken;
}

size_t move_locked(SchedulerState& state, uintptr_t from, uintptr_t to, size_t count)
{
    ThreadQueue& source = state.futexes.bucket(from);
    ThreadQueue& target = state.futexes.bucket(to);
    size_t moved = 0;
    for (Thread* thread = source.front(); thread && moved < count;) {
        Thread* next = source.next(thread);
        if (thread->futex_address == from) {
            source.remove(thread);
            thread->futex_address = to;
            target.push_back(thread);
            ++moved;
        }
        thread = next;
    }
    return moved;
}

// FUTEX_OP (linux/futex.h): op 31:28, cmp 27:24, oparg 23:12, cmparg 11:0; with
// FUTEX_OP_OPARG_SHIFT (8 in the op field) oparg is a shift count.
lib::Result<uint32_t> apply_op(uint32_t old, uint32_t encoded)
{
    uint32_t op = (encoded >> 28) & 7;
    auto oparg = uint32_t(int32_t(encoded << 8) >> 20);
    if (encoded & (8u << 28)) {
        if (oparg > 31)
            return lib::Error(lib::Errno::INVAL, "FUTEX_OP shift out of range");
        oparg = 1u << oparg;
    }
    switch (op) {
    case 0: return oparg;        // SET
    case 1: return old + oparg;  // ADD
    case 2: return old | oparg;  // OR
    case 3: return old & ~oparg; // ANDN
    case 4: return old ^ oparg;  // XOR
    }
    return lib::Error(lib::Errno::NOSYS, "unknown FUTEX_OP operation");
}

lib::Result<bool> compare(uint32_t old, uint32_t encoded)
{
    auto value = int32_t(old), cmparg = int32_t(encoded << 20) >> 20;
    switch ((encoded >> 24) & 15) {
    case 0: return value == cmparg;
    case 1: return value != cmparg;
    case 2: return value < cmparg;
    case 3: return value <= cmparg;
    case 4: return value > cmparg;
    case 5: return value >= cmparg;
    }
    return lib::Error(lib::Errno::NOSYS, "unknown FUTEX_OP comparison");
}

// Linux's robust list ABI (Documentation/locking/robust-futex-ABI.rst), x86-64 layout.
struct RobustListHead {
    uintptr_t list;            // first entry; the list ends where it points back to &list
    int64_t futex_offset;      // from an entry to its futex word
    uintptr_t list_op_pending; // an entry being taken or released, or 0
};
constexpr uint32_t kFutexWaiters = 0x80000000, kFutexOwnerDied = 0x40000000, kFutexTidMask = 0x3fffffff;
constexpr int kRobustListLimit = 2048; // Linux's ROBUST_LIST_LIMIT: a cycle cannot hang exit

/// Whether the exiting thread's words at [address, address + length) may be touched.
/// musl's own words (__thread_list_lock, the clear_child_tid of every thread musl
/// creates) live in the kernel image, in the upper half: accepted as check_user_range
/// accepts them (kernel/syscall/memory.cpp; the hardening issue narrows both).
bool accessible(uintptr_t address, size_t length, int prot)
{
    constexpr uintptr_t kUpperHalfStart = 0xffff'8000'0000'0000;
    return address >= kUpperHalfStart || mm::is_mapped(address, length, prot);
}
bool readable(uintptr_t address, size_t length) { return accessible(address, length, mm::ProtRead); }

void release_robust_futex(int tid, uintptr_t entry, int64_t offset)
{
    uintptr_t address = (entry & ~uintptr_t(1)) + uintptr_t(offset); // bit 0: a PI futex
    if (address % 4 || !accessible(address, 4, mm::ProtRead | mm::ProtWrite))
        return;
    auto* word = reinterpret_cast<uint32_t*>(address);
    // A compare-and-swap, as Linux's handle_futex_death: a PI locker may add FUTEX_WAITERS
    // between the read and the write, and a plain store would drop it (and its wake).
    uint32_t value = __atomic_load_n(word, __ATOMIC_ACQUIRE);
    do {
        if ((value & kFutexTidMask) != uint32_t(tid))
            return;
    } while (!__atomic_compare_exchange_n(
        word, &value, (value & kFutexWaiters) | kFutexOwnerDied, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
    if (value & kFutexWaiters)
        futex_wake(word, 1, kFutexBitsetMatchAny);
}

} // namespace

lib::Result<void> futex_wait(const uint32_t* word, uint32_t expected, uint32_t bitset, uint64_t deadline_ns)
{
    if (!bitset)
        return lib::Error(lib::Errno::INVAL, "futex bitset 0");
    if (deadline_ns)
        (void)start_timer();
    auto state = lock_state();
    if (__atomic_load_n(word, __ATOMIC_ACQUIRE) != expected)
        return lib::Error(lib::Errno::AGAIN, "the futex word changed");
    Thread& self = current();
    self.futex_address = key(word);
    self.futex_bitset = bitset;
    state->futexes.bucket(key(word)).push_back(&self);
    switch (block_locked(state, deadline_ns, true)) {
    case WakeReason::Woken: return {};
    case WakeReason::TimedOut: return lib::Error(lib::Errno::TIMEDOUT, "futex wait timed out");
    case WakeReason::Interrupted: return lib::Error(lib::Errno::INTR, "futex wait interrupted by a signal");
    }
    return {};
}

namespace {

Thread* first_waiter_locked(SchedulerState& state, uintptr_t address, Thread* after = nullptr)
{
    ThreadQueue& bucket = state.futexes.bucket(address);
    for (Thread* thread = after ? bucket.next(after) : bucket.front(); thread; thread = bucket.next(thread))
        if (thread->futex_address == address)
            return thread;
    return nullptr;
}

} // namespace

lib::Result<void> futex_lock_pi(uint32_t* word, uint64_t deadline_ns, bool try_only)
{
    if (deadline_ns)
        (void)start_timer();
    auto state = lock_state();
    Thread& self = current();
    auto tid = uint32_t(self.tid);
    for (;;) {
        uint32_t value = __atomic_load_n(word, __ATOMIC_ACQUIRE);
        uint32_t owner = value & kFutexTidMask;
        if (owner == 0) { // free: ours, telling later unlocks whether others still wait
            uint32_t taken
                = tid | (value & kFutexOwnerDied) | (first_waiter_locked(*state, key(word)) ? kFutexWaiters : 0);
            if (__atomic_compare_exchange_n(word, &value, taken, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
                return {};
            continue;
        }
        if (owner == tid)
            return lib::Error(lib::Errno::DEADLK, "the caller owns the PI futex");
        if (!find_thread_locked(*state, int(owner)))
            return lib::Error(lib::Errno::SRCH, "the PI futex's owner is gone without releasing it");
        if (try_only)
            return lib::Error(lib::Errno::AGAIN, "the PI futex is held");
        if (!(value & kFutexWaiters)
            && !__atomic_compare_exchange_n(
                word, &value, value | kFutexWaiters, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            continue; // changed under us: look again
        self.futex_address = key(word);
        self.futex_bitset = kFutexBitsetMatchAny;
        state->futexes.bucket(key(word)).push_back(&self);
        switch (block_locked(state, deadline_ns, true)) {
        case WakeReason::Woken: break; // handed the lock by an unlock, or woken to look again
        case WakeReason::TimedOut: return lib::Error(lib::Errno::TIMEDOUT, "PI futex lock timed out");
        case WakeReason::Interrupted: return lib::Error(lib::Errno::INTR, "PI futex lock interrupted by a signal");
        }
        if ((__atomic_load_n(word, __ATOMIC_ACQUIRE) & kFutexTidMask) == tid)
            return {};
    }
}

lib::Result<void> futex_unlock_pi(uint32_t* word)
{
    auto state = lock_state();
    Thread& self = current();
    uint32_t value = __atomic_load_n(word, __ATOMIC_ACQUIRE);
    if ((value & kFutexTidMask) != uint32_t(self.tid))
        return lib::Error(lib::Errno::PERM, "the caller does not own the PI futex");
    Thread* next = first_waiter_locked(*state, key(word));
    if (!next) {
        __atomic_store_n(word, 0u, __ATOMIC_RELEASE);
        return {};
    }
    state->futexes.bucket(key(word)).remove(next);
    next->futex_address = 0;
    bool more = first_waiter_locked(*state, key(word)) != nullptr;
    __atomic_store_n(word, uint32_t(next->tid) | (more ? kFutexWaiters : 0), __ATOMIC_RELEASE);
    make_runnable_locked(*state, *next, WakeReason::Woken);
    rearm_timer_locked(*state, self);
    return {};
}

size_t futex_wake(const uint32_t* word, size_t count, uint32_t bitset)
{
    auto state = lock_state();
    size_t woken = wake_locked(*state, key(word), count, bitset);
    if (woken)
        rearm_timer_locked(*state, current());
    return woken;
}

lib::Result<size_t> futex_requeue(
    const uint32_t* from, const uint32_t* to, size_t wake, size_t requeue, const uint32_t* expected)
{
    auto state = lock_state();
    if (expected && __atomic_load_n(from, __ATOMIC_ACQUIRE) != *expected)
        return lib::Error(lib::Errno::AGAIN, "the futex word changed");
    size_t woken = wake_locked(*state, key(from), wake, kFutexBitsetMatchAny);
    size_t moved = move_locked(*state, key(from), key(to), requeue);
    rearm_timer_locked(*state, current());
    return woken + moved;
}

lib::Result<size_t> futex_wake_op(const uint32_t* word1, uint32_t* word2, size_t wake1, size_t wake2, uint32_t op)
{
    auto state = lock_state();
    uint32_t old = __atomic_load_n(word2, __ATOMIC_ACQUIRE);
    uint32_t updated = TRY(apply_op(old, op));
    bool passes = TRY(compare(old, op));
    __atomic_store_n(word2, updated, __ATOMIC_RELEASE); // atomic: nothing else runs under the lock
    size_t woken = wake_locked(*state, key(word1), wake1, kFutexBitsetMatchAny);
    if (passes)
        woken += wake_locked(*state, key(word2), wake2, kFutexBitsetMatchAny);
    rearm_timer_locked(*state, current());
    return woken;
}

void leave_futex_queue_locked(SchedulerState& state, Thread& thread)
{
    if (!thread.futex_address)
        return;
    state.futexes.bucket(thread.futex_address).remove(&thread);
    thread.futex_address = 0;
}

void futex_exit_clear_locked(SchedulerState& state, int* address)
{
    auto at = reinterpret_cast<uintptr_t>(address);
    if (at % 4 || !accessible(at, 4, mm::ProtRead | mm::ProtWrite))
        return;
    __atomic_store_n(address, 0, __ATOMIC_RELEASE);
    wake_locked(state, at, 1, kFutexBitsetMatchAny);
}

void futex_exit_robust_list(Thread& thread)
{
    auto head_address = reinterpret_cast<uintptr_t>(thread.robust_list);
    if (!head_address || !readable(head_address, sizeof(RobustListHead)))
        return;
    auto& head = *reinterpret_cast<const RobustListHead*>(head_address);
    uintptr_t pending = head.list_op_pending;
    uintptr_t entry = head.list;
    for (int count = 0; entry != head_address && count < kRobustListLimit; ++count) {
        if (!readable(entry & ~uintptr_t(1), sizeof(uintptr_t)))
            break;
        uintptr_t next = *reinterpret_cast<const uintptr_t*>(entry & ~uintptr_t(1));
        if (entry != pending)
            release_robust_futex(thread.tid, entry, head.futex_offset);
        entry = next;
    }
    if (pending)
        release_robust_futex(thread.tid, pending, head.futex_offset);
}

} // namespace sched
