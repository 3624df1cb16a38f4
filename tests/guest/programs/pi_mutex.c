// Priority-inheritance mutexes (PTHREAD_PRIO_INHERIT: futex LOCK_PI, TRYLOCK_PI,
// UNLOCK_PI): four threads count to 4 x 20,000 under one; a trylock by another thread while
// it is held fails with EBUSY; an error-checking one locked twice says EDEADLK; a robust
// one whose owner exits holding it is EOWNERDEAD for the next locker, which makes it
// consistent. Prints "pi_mutex: ok" when all of that held.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

enum { kThreads = 4, kRounds = 20000 };

static pthread_mutex_t counted;
static long counter;

static void* count(void* unused)
{
    (void)unused;
    for (int i = 0; i < kRounds; i++) {
        pthread_mutex_lock(&counted);
        counter++;
        pthread_mutex_unlock(&counted);
    }
    return NULL;
}

static void* try_it(void* mutex) { return (void*)(long)pthread_mutex_trylock(mutex); }

static void* die_holding(void* mutex)
{
    pthread_mutex_lock(mutex);
    return NULL; // exits with the robust mutex held
}

static int make(pthread_mutex_t* mutex, int type, int robust)
{
    pthread_mutexattr_t attributes;
    pthread_mutexattr_init(&attributes);
    int r = pthread_mutexattr_setprotocol(&attributes, PTHREAD_PRIO_INHERIT);
    if (r == 0)
        r = pthread_mutexattr_settype(&attributes, type);
    if (r == 0 && robust)
        r = pthread_mutexattr_setrobust(&attributes, PTHREAD_MUTEX_ROBUST);
    if (r == 0)
        r = pthread_mutex_init(mutex, &attributes);
    pthread_mutexattr_destroy(&attributes);
    return r;
}

#define CHECK(what, got, want)                                                                                         \
    do {                                                                                                               \
        long got_ = (long)(got);                                                                                       \
        if (got_ != (long)(want)) {                                                                                    \
            printf("pi_mutex: %s: %ld (%s), want %ld\n", what, got_, strerror((int)got_), (long)(want));               \
            return 1;                                                                                                  \
        }                                                                                                              \
    } while (0)

int main(void)
{
    CHECK("a PTHREAD_PRIO_INHERIT mutex", make(&counted, PTHREAD_MUTEX_NORMAL, 0), 0);
    pthread_t threads[kThreads];
    for (int i = 0; i < kThreads; i++)
        pthread_create(&threads[i], NULL, count, NULL);
    for (int i = 0; i < kThreads; i++)
        pthread_join(threads[i], NULL);
    CHECK("counted", counter, kThreads * kRounds);

    pthread_mutex_lock(&counted);
    pthread_t other;
    void* result;
    pthread_create(&other, NULL, try_it, &counted);
    pthread_join(other, &result);
    CHECK("trylock while another thread holds it", (long)result, EBUSY);
    pthread_mutex_unlock(&counted);

    pthread_mutex_t checked;
    CHECK("an error-checking PI mutex", make(&checked, PTHREAD_MUTEX_ERRORCHECK, 0), 0);
    pthread_mutex_lock(&checked);
    CHECK("locked twice", pthread_mutex_lock(&checked), EDEADLK);
    pthread_mutex_unlock(&checked);

    pthread_mutex_t robust;
    CHECK("a robust PI mutex", make(&robust, PTHREAD_MUTEX_NORMAL, 1), 0);
    pthread_create(&other, NULL, die_holding, &robust);
    pthread_join(other, NULL);
    CHECK("locked after its owner died", pthread_mutex_lock(&robust), EOWNERDEAD);
    CHECK("made consistent", pthread_mutex_consistent(&robust), 0);
    CHECK("unlocked", pthread_mutex_unlock(&robust), 0);
    CHECK("locked again", pthread_mutex_lock(&robust), 0);
    pthread_mutex_unlock(&robust);
    printf("pi_mutex: ok\n");
    return 0;
}
