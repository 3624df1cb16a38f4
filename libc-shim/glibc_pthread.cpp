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
#include <pthread.h>

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

} // extern "C"
