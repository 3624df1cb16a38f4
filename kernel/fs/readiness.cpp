#include <kernel/fs/readiness.h>

#include <sched/futex.h>

namespace fs {

namespace {

// A futex word; changed only through atomics (its readers do not hold a lock).
struct Readiness {
    uint32_t generation = 0;
};

Readiness& readiness()
{
    static Readiness state;
    return state;
}

} // namespace

uint32_t readiness_generation() { return __atomic_load_n(&readiness().generation, __ATOMIC_ACQUIRE); }

void readiness_changed()
{
    __atomic_fetch_add(&readiness().generation, 1, __ATOMIC_RELEASE);
    sched::futex_wake(&readiness().generation, SIZE_MAX, sched::kFutexBitsetMatchAny);
}

lib::Result<void> wait_for_readiness(uint32_t seen, uint64_t deadline_ns)
{
    auto waited = sched::futex_wait(&readiness().generation, seen, sched::kFutexBitsetMatchAny, deadline_ns);
    if (waited.is_error() && waited.error().code == lib::Errno::AGAIN)
        return {}; // it moved before the sleep
    return waited;
}

void ChangeCounter::changed()
{
    __atomic_fetch_add(&m_changes, 1, __ATOMIC_RELEASE);
    sched::futex_wake(&m_changes, SIZE_MAX, sched::kFutexBitsetMatchAny);
    readiness_changed();
}

lib::Result<void> ChangeCounter::wait(uint32_t seen) { return wait_until(seen, 0); }

lib::Result<void> ChangeCounter::wait_until(uint32_t seen, uint64_t deadline_ns)
{
    auto waited = sched::futex_wait(&m_changes, seen, sched::kFutexBitsetMatchAny, deadline_ns);
    if (waited.is_error() && waited.error().code == lib::Errno::INTR)
        return lib::Error(lib::Errno::INTR, "wait interrupted by a signal");
    return {}; // woken, the deadline, or it moved before the sleep: the caller looks again
}

} // namespace fs
