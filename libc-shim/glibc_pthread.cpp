// glibc's pthread object layouts where they differ from musl's in what a program's static
// initializer writes. Both C libraries give pthread_mutex_t 40 bytes and an all-zero
// PTHREAD_MUTEX_INITIALIZER, but glibc's kind initializers
//   PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP   __kind = 1
//   PTHREAD_ERRORCHECK_MUTEX_INITIALIZER_NP  __kind = 2
//   PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP    __kind = 3
// put the kind at byte 16 (glibc's struct __pthread_mutex_s: __lock, __count, __owner,
// __nusers, __kind), while musl reads its type from byte 0 (_m_type, __i[0]) and never
// uses bytes 16-19 (__i[4]) on x86-64. Every entry point that can meet such a mutex first
// moves glibc's kind into musl's type (adaptive is musl's normal mutex) and clears byte
// 16, so the translation happens once. A mutex set up by pthread_mutex_init is musl's
// from the start (all other bytes zero) and passes through untouched.
//
// glibc's PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP sets __flags (byte 48), which
// musl's rwlock (bytes 0-11) ignores: such a lock works, without writer preference.
#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <limits>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace {

constexpr int kGlibcKindWord = 4; // int index of glibc's __kind
constexpr int kMuslTypeWord = 0;  // int index of musl's _m_type

void adopt_glibc_kind(pthread_mutex_t* mutex)
{
    auto* words = reinterpret_cast<int*>(mutex);
    int kind = __atomic_load_n(&words[kGlibcKindWord], __ATOMIC_ACQUIRE);
    if (kind == 0)
        return;
    int type = kind == 1 ? PTHREAD_MUTEX_RECURSIVE : kind == 2 ? PTHREAD_MUTEX_ERRORCHECK : PTHREAD_MUTEX_NORMAL;
    if (__atomic_load_n(&words[kMuslTypeWord], __ATOMIC_RELAXED) == 0)
        __atomic_store_n(&words[kMuslTypeWord], type, __ATOMIC_RELAXED); // racing threads store the same
    __atomic_store_n(&words[kGlibcKindWord], 0, __ATOMIC_RELEASE);
}

} // namespace

extern "C" {

int osprey_pthread_mutex_lock(pthread_mutex_t* mutex)
{
    adopt_glibc_kind(mutex);
    return pthread_mutex_lock(mutex);
}

int osprey_pthread_mutex_trylock(pthread_mutex_t* mutex)
{
    adopt_glibc_kind(mutex);
    return pthread_mutex_trylock(mutex);
}

int osprey_pthread_mutex_timedlock(pthread_mutex_t* mutex, const struct timespec* deadline)
{
    adopt_glibc_kind(mutex);
    return pthread_mutex_timedlock(mutex, deadline);
}

int osprey_pthread_mutex_unlock(pthread_mutex_t* mutex)
{
    adopt_glibc_kind(mutex);
    return pthread_mutex_unlock(mutex);
}

/// glibc accepts PTHREAD_MUTEX_ADAPTIVE_NP (3) as an attribute's type; musl refuses any
/// type above 2 with EINVAL (bind9's isc library then aborts). An adaptive mutex spins a
/// little before sleeping; musl's normal mutex is what it becomes, as with the adaptive
/// initializer above (NOT glibc: pthread_mutexattr_gettype then says 0).
int osprey_pthread_mutexattr_settype(pthread_mutexattr_t* attributes, int type)
{
    constexpr int kGlibcAdaptive = 3;
    return pthread_mutexattr_settype(attributes, type == kGlibcAdaptive ? PTHREAD_MUTEX_NORMAL : type);
}

} // extern "C"

// glibc-only thread functions musl lacks (measured imports; exports/not-provided.txt had
// them under issue 12).

namespace {

/// `deadline` on clock `from`, moved to the same instant on clock `to`, in seconds and
/// nanoseconds apart so that no deadline overflows: one past what time_t holds becomes the
/// latest time_t can (libstdc++ waits "forever" with time_point::max(), about 9.2e9 s, which
/// in nanoseconds plus the wall clock's 1.8e18 ns would have wrapped to the past), one
/// before the clock's zero becomes zero, already passed. A deadline whose nanoseconds are
/// out of range is passed on as it is, for the wait it reaches to refuse with EINVAL, as
/// glibc does, only when it would have to wait.
timespec move_deadline(const timespec& deadline, clockid_t from, clockid_t to)
{
    constexpr long kNanos = 1'000'000'000;
    constexpr timespec kLatest { std::numeric_limits<time_t>::max(), kNanos - 1 };
    if (from == to || deadline.tv_nsec < 0 || deadline.tv_nsec >= kNanos)
        return deadline;
    timespec now_from, now_to;
    clock_gettime(from, &now_from);
    clock_gettime(to, &now_to);
    time_t seconds;
    long nanos = deadline.tv_nsec + (now_to.tv_nsec - now_from.tv_nsec); // within (-1 s, 2 s)
    if (__builtin_add_overflow(deadline.tv_sec, now_to.tv_sec - now_from.tv_sec, &seconds))
        return now_to.tv_sec > now_from.tv_sec ? kLatest : timespec { 0, 0 };
    if (nanos < 0) {
        nanos += kNanos;
        if (__builtin_sub_overflow(seconds, 1, &seconds))
            return { 0, 0 };
    } else if (nanos >= kNanos) {
        nanos -= kNanos;
        if (__builtin_add_overflow(seconds, 1, &seconds))
            return kLatest;
    }
    if (seconds < 0)
        return { 0, 0 };
    return { seconds, nanos };
}

bool valid_clock(clockid_t clock) { return clock == CLOCK_MONOTONIC || clock == CLOCK_REALTIME; }

/// A glibc clock-chosen wait as its timed twin on CLOCK_REALTIME: `timed(object, deadline)`
/// with the deadline moved there; EINVAL for a clock glibc refuses.
template<typename Object, typename Timed>
int on_realtime(Object* object, clockid_t clock, const timespec* deadline, Timed timed)
{
    if (!valid_clock(clock))
        return EINVAL;
    timespec moved = move_deadline(*deadline, clock, CLOCK_REALTIME);
    return timed(object, &moved);
}

} // namespace

extern "C" {

/// glibc 2.30: pthread_cond_timedwait with the deadline on `clock`. musl's waits use the
/// condition variable's own clock (CLOCK_REALTIME unless its attribute said otherwise),
/// so the deadline moves to that clock; the few nanoseconds between the two clock reads
/// are the only difference.
int pthread_cond_clockwait(pthread_cond_t* cond, pthread_mutex_t* mutex, clockid_t clock, const timespec* deadline)
{
    if (!valid_clock(clock))
        return EINVAL;
    auto cond_clock = clockid_t(reinterpret_cast<const int*>(cond)[4]); // musl's _c_clock
    timespec moved = move_deadline(*deadline, clock, cond_clock);
    adopt_glibc_kind(mutex);
    return pthread_cond_timedwait(cond, mutex, &moved);
}

/// glibc 2.30: sem_timedwait with the deadline on `clock` (sem_timedwait's is REALTIME).
int sem_clockwait(sem_t* semaphore, clockid_t clock, const timespec* deadline)
{
    if (!valid_clock(clock)) {
        errno = EINVAL;
        return -1;
    }
    timespec moved = move_deadline(*deadline, clock, CLOCK_REALTIME);
    return sem_timedwait(semaphore, &moved);
}

/// glibc 2.30: pthread_mutex_timedlock, pthread_rwlock_timedrdlock and _timedwrlock with
/// the deadline on `clock`.
int pthread_mutex_clocklock(pthread_mutex_t* mutex, clockid_t clock, const timespec* deadline)
{
    return on_realtime(mutex, clock, deadline, osprey_pthread_mutex_timedlock);
}

int pthread_rwlock_clockrdlock(pthread_rwlock_t* lock, clockid_t clock, const timespec* deadline)
{
    return on_realtime(lock, clock, deadline, pthread_rwlock_timedrdlock);
}

int pthread_rwlock_clockwrlock(pthread_rwlock_t* lock, clockid_t clock, const timespec* deadline)
{
    return on_realtime(lock, clock, deadline, pthread_rwlock_timedwrlock);
}

/// glibc 2.31: pthread_timedjoin_np with the deadline on `clock`; no deadline joins
/// without one.
int pthread_clockjoin_np(pthread_t thread, void** result, clockid_t clock, const timespec* deadline)
{
    if (!valid_clock(clock)) // checked first, as glibc does, deadline or none
        return EINVAL;
    if (!deadline)
        return pthread_join(thread, result);
    timespec moved = move_deadline(*deadline, clock, CLOCK_REALTIME);
    return pthread_timedjoin_np(thread, result, &moved);
}

/// glibc's rwlock kinds (PTHREAD_RWLOCK_PREFER_READER_NP, _WRITER_NP,
/// _WRITER_NONRECURSIVE_NP). Accepted and checked; musl's rwlock has one policy, so the
/// kind changes nothing (docs/architecture.md, Threads).
int pthread_rwlockattr_setkind_np(pthread_rwlockattr_t*, int kind) { return kind >= 0 && kind <= 2 ? 0 : EINVAL; }

/// glibc 2.32: the new thread's CPU affinity. Accepted, not enforced (as
/// sched_setaffinity): any mask that names one of the VM's CPUs.
int pthread_attr_setaffinity_np(pthread_attr_t*, size_t size, const cpu_set_t* set)
{
    int cpus = int(sysconf(_SC_NPROCESSORS_ONLN));
    for (int cpu = 0; cpu < cpus && size_t(cpu) < size * 8; ++cpu)
        if (CPU_ISSET_S(cpu, size, set))
            return 0;
    return EINVAL;
}

/// glibc 2.29: getcpu(3).
int getcpu(unsigned* cpu, unsigned* node) { return int(syscall(SYS_getcpu, cpu, node, nullptr)); }

/// Priority ceilings (PTHREAD_PRIO_PROTECT). glibc keeps an attribute's ceiling in bits
/// 12-23 (PTHREAD_MUTEXATTR_PRIO_CEILING_SHIFT/MASK); so does this (musl uses bits 0-7).
/// The protocol itself is not supported (musl's pthread_mutexattr_setprotocol says ENOTSUP
/// for PRIO_PROTECT), so a ceiling is kept, checked against SCHED_FIFO's range and read
/// back, and pthread_mutex_init leaves it out of the mutex.
constexpr unsigned kCeilingShift = 12, kCeilingMask = 0x00fff000;

unsigned attribute_bits(const pthread_mutexattr_t* attributes)
{
    unsigned bits;
    memcpy(&bits, attributes, sizeof bits);
    return bits;
}

int pthread_mutexattr_setprioceiling(pthread_mutexattr_t* attributes, int ceiling)
{
    if (ceiling < sched_get_priority_min(SCHED_FIFO) || ceiling > sched_get_priority_max(SCHED_FIFO))
        return EINVAL;
    unsigned bits = (attribute_bits(attributes) & ~kCeilingMask) | unsigned(ceiling) << kCeilingShift;
    memcpy(attributes, &bits, sizeof bits);
    return 0;
}

/// The ceiling set, or SCHED_FIFO's lowest priority when none was (glibc).
int pthread_mutexattr_getprioceiling(const pthread_mutexattr_t* attributes, int* ceiling)
{
    int set = int((attribute_bits(attributes) & kCeilingMask) >> kCeilingShift);
    *ceiling = set ? set : sched_get_priority_min(SCHED_FIFO);
    return 0;
}

int osprey_pthread_mutex_init(pthread_mutex_t* mutex, const pthread_mutexattr_t* attributes)
{
    if (!attributes)
        return pthread_mutex_init(mutex, nullptr);
    pthread_mutexattr_t without_ceiling;
    unsigned bits = attribute_bits(attributes) & ~kCeilingMask; // musl copies the bits into the mutex's type
    memcpy(&without_ceiling, attributes, sizeof without_ceiling);
    memcpy(&without_ceiling, &bits, sizeof bits);
    return pthread_mutex_init(mutex, &without_ceiling);
}

} // extern "C"
