// Threads as glibc programs use them (issue 12): create and join, exact counts under
// contention for every synchronisation object, glibc's static initializers, detached
// threads, per-thread TLS and errno, unique tids, sleeping, robust mutexes whose owner
// dies, a signal that interrupts another thread's wait, thread names, affinity, sigwait
// and sigsuspend, cancellation with cleanup handlers, waits on a chosen clock.
#define _GNU_SOURCE
#define TEST_NAME "threads"
#include "check.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

enum { kWorkers = 4, kRounds = 20000 };

static void* return_argument(void* argument) { return argument; }

// 1,000 threads created and joined, at most 50 alive at once.
static void create_and_join_many(void)
{
    int joined = 0;
    for (int batch = 0; batch < 20; ++batch) {
        pthread_t threads[50];
        for (intptr_t i = 0; i < 50; ++i)
            CHECK(pthread_create(&threads[i], NULL, return_argument, (void*)(batch * 50 + i)) == 0);
        for (intptr_t i = 0; i < 50; ++i) {
            void* result = NULL;
            CHECK(pthread_join(threads[i], &result) == 0);
            joined += (intptr_t)result == batch * 50 + i;
        }
    }
    CHECK(joined == 1000);
}

static pthread_mutex_t g_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cond = PTHREAD_COND_INITIALIZER;
static long g_counter;

static void* add_under_mutex(void* unused)
{
    for (int i = 0; i < kRounds; ++i) {
        pthread_mutex_lock(&g_mutex);
        long seen = g_counter;
        if (i % 512 == 0)
            sched_yield(); // hand the CPU over while holding the lock
        g_counter = seen + 1;
        pthread_mutex_unlock(&g_mutex);
    }
    return unused;
}

static void run_workers(void* (*work)(void*), void* argument)
{
    pthread_t threads[kWorkers];
    for (int i = 0; i < kWorkers; ++i)
        CHECK(pthread_create(&threads[i], NULL, work, argument) == 0);
    for (int i = 0; i < kWorkers; ++i)
        CHECK(pthread_join(threads[i], NULL) == 0);
}

// A bounded queue: producers and consumers on two condition variables.
struct Queue {
    pthread_mutex_t lock;
    pthread_cond_t not_empty, not_full;
    int items[8], head, count;
    long consumed_sum;
};
static struct Queue g_queue = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER };

static void* produce(void* unused)
{
    for (int i = 1; i <= kRounds; ++i) {
        pthread_mutex_lock(&g_queue.lock);
        while (g_queue.count == 8)
            pthread_cond_wait(&g_queue.not_full, &g_queue.lock);
        g_queue.items[(g_queue.head + g_queue.count++) % 8] = i;
        pthread_cond_signal(&g_queue.not_empty);
        pthread_mutex_unlock(&g_queue.lock);
    }
    return unused;
}

static void* consume(void* unused)
{
    for (int i = 0; i < kRounds; ++i) {
        pthread_mutex_lock(&g_queue.lock);
        while (g_queue.count == 0)
            pthread_cond_wait(&g_queue.not_empty, &g_queue.lock);
        g_queue.consumed_sum += g_queue.items[g_queue.head];
        g_queue.head = (g_queue.head + 1) % 8;
        --g_queue.count;
        pthread_cond_signal(&g_queue.not_full);
        pthread_mutex_unlock(&g_queue.lock);
    }
    return unused;
}

static void condition_variables(void)
{
    pthread_t threads[4];
    pthread_create(&threads[0], NULL, produce, NULL);
    pthread_create(&threads[1], NULL, produce, NULL);
    pthread_create(&threads[2], NULL, consume, NULL);
    pthread_create(&threads[3], NULL, consume, NULL);
    for (int i = 0; i < 4; ++i)
        pthread_join(threads[i], NULL);
    CHECK(g_queue.consumed_sum == 2L * kRounds * (kRounds + 1) / 2);
}

static pthread_barrier_t g_barrier;
static atomic_int g_phase_arrivals[3];
static atomic_int g_serial_threads;

static void* barrier_phases(void* unused)
{
    for (int phase = 0; phase < 3; ++phase) {
        atomic_fetch_add(&g_phase_arrivals[phase], 1);
        int result = pthread_barrier_wait(&g_barrier);
        if (result == PTHREAD_BARRIER_SERIAL_THREAD)
            atomic_fetch_add(&g_serial_threads, 1);
        // Everyone arrived before anyone passed.
        if (atomic_load(&g_phase_arrivals[phase]) != kWorkers)
            ++failures, printf(TEST_NAME ": FAILED: a thread passed the barrier early\n");
    }
    return unused;
}

static pthread_rwlock_t g_rwlock = PTHREAD_RWLOCK_INITIALIZER;
static long g_rw_value;
static atomic_int g_rw_bad_reads;

static void* read_and_write(void* unused)
{
    for (int i = 0; i < kRounds / 4; ++i) {
        pthread_rwlock_wrlock(&g_rwlock);
        g_rw_value += 2;
        if (i % 128 == 0)
            sched_yield();
        g_rw_value += 2;
        pthread_rwlock_unlock(&g_rwlock);
        pthread_rwlock_rdlock(&g_rwlock);
        if (g_rw_value % 4)
            atomic_fetch_add(&g_rw_bad_reads, 1);
        pthread_rwlock_unlock(&g_rwlock);
    }
    return unused;
}

static sem_t g_semaphore;
static atomic_int g_inside, g_most_inside;

static void* semaphore_slots(void* unused)
{
    for (int i = 0; i < 2000; ++i) {
        sem_wait(&g_semaphore);
        int inside = atomic_fetch_add(&g_inside, 1) + 1;
        int most = atomic_load(&g_most_inside);
        while (inside > most && !atomic_compare_exchange_weak(&g_most_inside, &most, inside)) { }
        if (i % 64 == 0)
            sched_yield();
        atomic_fetch_sub(&g_inside, 1);
        sem_post(&g_semaphore);
    }
    return unused;
}

// glibc's static initializers (the kind sits where glibc keeps it, not where musl does).
static pthread_mutex_t g_recursive = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
static pthread_mutex_t g_errorcheck = PTHREAD_ERRORCHECK_MUTEX_INITIALIZER_NP;
static pthread_mutex_t g_adaptive = PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP;
static pthread_rwlock_t g_writer_rwlock = PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;

static void static_initializers(void)
{
    CHECK(pthread_mutex_lock(&g_recursive) == 0);
    CHECK(pthread_mutex_lock(&g_recursive) == 0); // a second lock by the owner succeeds
    CHECK(pthread_mutex_trylock(&g_recursive) == 0);
    CHECK(pthread_mutex_unlock(&g_recursive) == 0);
    CHECK(pthread_mutex_unlock(&g_recursive) == 0);
    CHECK(pthread_mutex_unlock(&g_recursive) == 0);
    CHECK(pthread_mutex_unlock(&g_errorcheck) == EPERM); // not locked
    CHECK(pthread_mutex_lock(&g_errorcheck) == 0);
    CHECK(pthread_mutex_lock(&g_errorcheck) == EDEADLK);
    CHECK(pthread_mutex_unlock(&g_errorcheck) == 0);
    CHECK(pthread_mutex_lock(&g_adaptive) == 0);
    CHECK(pthread_mutex_trylock(&g_adaptive) == EBUSY);
    CHECK(pthread_mutex_unlock(&g_adaptive) == 0);
    pthread_mutexattr_t attributes; // the adaptive type as an attribute, as bind9 sets it
    pthread_mutex_t adaptive;
    CHECK(pthread_mutexattr_init(&attributes) == 0);
    CHECK(pthread_mutexattr_settype(&attributes, PTHREAD_MUTEX_ADAPTIVE_NP) == 0);
    CHECK(pthread_mutexattr_settype(&attributes, 99) == EINVAL);
    CHECK(pthread_mutex_init(&adaptive, &attributes) == 0 && pthread_mutex_lock(&adaptive) == 0);
    CHECK(pthread_mutex_trylock(&adaptive) == EBUSY && pthread_mutex_unlock(&adaptive) == 0);
    pthread_mutex_destroy(&adaptive);
    pthread_mutexattr_destroy(&attributes);
    CHECK(pthread_rwlock_rdlock(&g_writer_rwlock) == 0);
    CHECK(pthread_rwlock_tryrdlock(&g_writer_rwlock) == 0);
    CHECK(pthread_rwlock_trywrlock(&g_writer_rwlock) == EBUSY);
    CHECK(pthread_rwlock_unlock(&g_writer_rwlock) == 0);
    CHECK(pthread_rwlock_unlock(&g_writer_rwlock) == 0);
    CHECK(pthread_rwlock_wrlock(&g_writer_rwlock) == 0);
    CHECK(pthread_rwlock_unlock(&g_writer_rwlock) == 0);
}

// Thread-local storage and errno, per thread; tids unique and not the process id.
static __thread int t_value = 7;
static pid_t g_tids[kWorkers];
static atomic_int g_tls_ok;

static void* check_thread_local(void* argument)
{
    intptr_t index = (intptr_t)argument;
    if (t_value == 7) // every thread starts from the initial image
        atomic_fetch_add(&g_tls_ok, 1);
    t_value = (int)index * 100;
    errno = (int)index + 1;
    g_tids[index] = (pid_t)syscall(SYS_gettid);
    sched_yield();
    if (t_value == index * 100 && errno == index + 1)
        atomic_fetch_add(&g_tls_ok, 1);
    return NULL;
}

static void thread_locals(void)
{
    pthread_t threads[kWorkers];
    for (intptr_t i = 0; i < kWorkers; ++i)
        pthread_create(&threads[i], NULL, check_thread_local, (void*)i);
    for (int i = 0; i < kWorkers; ++i)
        pthread_join(threads[i], NULL);
    CHECK(atomic_load(&g_tls_ok) == 2 * kWorkers);
    CHECK(t_value == 7);
    for (int i = 0; i < kWorkers; ++i) {
        CHECK(g_tids[i] > 1 && g_tids[i] != getpid());
        for (int j = 0; j < i; ++j)
            CHECK(g_tids[i] != g_tids[j]);
    }
    CHECK(syscall(SYS_gettid) == getpid()); // the main thread's tid is the pid
}

// A detached thread runs to the end and frees itself; the program waits on a semaphore.
static sem_t g_detached_done;
static void* detached(void* unused)
{
    sem_post(&g_detached_done);
    return unused;
}

static void detached_threads(void)
{
    sem_init(&g_detached_done, 0, 0);
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attributes, 256 * 1024);
    for (int i = 0; i < 100; ++i) {
        pthread_t thread;
        CHECK(pthread_create(&thread, &attributes, detached, NULL) == 0);
    }
    for (int i = 0; i < 100; ++i)
        sem_wait(&g_detached_done);
    pthread_attr_destroy(&attributes);
}

static double seconds_since(const struct timespec* start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

// A sleeping thread lets the others run; a timed wait times out.
static atomic_long g_spins;
static atomic_int g_sleeper_done;
static void* sleeper(void* unused)
{
    struct timespec pause = { 0, 50 * 1000 * 1000 };
    nanosleep(&pause, NULL);
    atomic_store(&g_sleeper_done, 1);
    return unused;
}

static void sleeping(void)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    pthread_t thread;
    pthread_create(&thread, NULL, sleeper, NULL);
    while (!atomic_load(&g_sleeper_done))
        atomic_fetch_add(&g_spins, 1); // preemption must let the sleeper finish
    pthread_join(thread, NULL);
    CHECK(seconds_since(&start) >= 0.05);
    CHECK(atomic_load(&g_spins) > 0);

    pthread_mutex_lock(&g_mutex);
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_nsec += 20 * 1000 * 1000;
    if (deadline.tv_nsec >= 1000000000)
        deadline.tv_sec += 1, deadline.tv_nsec -= 1000000000;
    clock_gettime(CLOCK_MONOTONIC, &start);
    CHECK(pthread_cond_timedwait(&g_cond, &g_mutex, &deadline) == ETIMEDOUT);
    CHECK(seconds_since(&start) >= 0.015);
    pthread_mutex_unlock(&g_mutex);
}

// A robust mutex whose owner exits: the next locker gets EOWNERDEAD and can recover it.
static pthread_mutex_t g_robust;
static void* lock_and_exit(void* unused)
{
    pthread_mutex_lock(&g_robust);
    return unused; // exits holding it
}

static void robust_mutex(void)
{
    pthread_mutexattr_t attributes;
    pthread_mutexattr_init(&attributes);
    CHECK(pthread_mutexattr_setrobust(&attributes, PTHREAD_MUTEX_ROBUST) == 0);
    pthread_mutex_init(&g_robust, &attributes);
    pthread_t thread;
    pthread_create(&thread, NULL, lock_and_exit, NULL);
    pthread_join(thread, NULL);
    CHECK(pthread_mutex_lock(&g_robust) == EOWNERDEAD);
    CHECK(pthread_mutex_consistent(&g_robust) == 0);
    CHECK(pthread_mutex_unlock(&g_robust) == 0);
    CHECK(pthread_mutex_lock(&g_robust) == 0);
    CHECK(pthread_mutex_unlock(&g_robust) == 0);
}

// pthread_kill to a thread blocked in sem_wait: its handler runs in that thread, and the
// wait ends with EINTR.
static atomic_int g_handled_in;
static void on_usr1(int signal) { atomic_store(&g_handled_in, (int)syscall(SYS_gettid)); }
static sem_t g_never;
static atomic_int g_waiter_tid;
static void* wait_for_signal(void* unused)
{
    atomic_store(&g_waiter_tid, (int)syscall(SYS_gettid));
    while (sem_wait(&g_never) == -1 && errno == EINTR && !atomic_load(&g_handled_in)) { }
    return unused;
}

static void signal_another_thread(void)
{
    struct sigaction action = { .sa_handler = on_usr1 }; // no SA_RESTART: the wait ends with EINTR
    sigaction(SIGUSR1, &action, NULL);
    sem_init(&g_never, 0, 0);
    pthread_t thread;
    pthread_create(&thread, NULL, wait_for_signal, NULL);
    while (!atomic_load(&g_waiter_tid))
        sched_yield();
    struct timespec pause = { 0, 10 * 1000 * 1000 };
    nanosleep(&pause, NULL); // let it block in sem_wait
    CHECK(pthread_kill(thread, SIGUSR1) == 0);
    pthread_join(thread, NULL);
    CHECK(atomic_load(&g_handled_in) == atomic_load(&g_waiter_tid));
}

// Thread names, affinity, the current CPU.
static void* name_myself(void* unused)
{
    char name[16] = "";
    CHECK(pthread_setname_np(pthread_self(), "worker-with-a-long-name") == ERANGE); // > 15 bytes
    CHECK(pthread_setname_np(pthread_self(), "worker-7") == 0);
    CHECK(pthread_getname_np(pthread_self(), name, sizeof(name)) == 0 && strcmp(name, "worker-7") == 0);
    return unused;
}

static void names_and_affinity(void)
{
    pthread_t thread;
    pthread_create(&thread, NULL, name_myself, NULL);
    pthread_join(thread, NULL);
    char name[16] = "";
    CHECK(prctl(PR_SET_NAME, "main-thread-long-name") == 0);
    CHECK(prctl(PR_GET_NAME, name) == 0 && strcmp(name, "main-thread-lon") == 0); // 15 bytes kept
    cpu_set_t set;
    CPU_ZERO(&set);
    CHECK(sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_ISSET(0, &set) && CPU_COUNT(&set) >= 1);
    CHECK(sched_setaffinity(0, sizeof(set), &set) == 0);
    CHECK(pthread_setaffinity_np(pthread_self(), sizeof(set), &set) == 0);
    CHECK(sched_getcpu() >= 0);
}

// sigwait and friends: a signal blocked in every thread is taken, not handled.
static void* send_usr2(void* unused)
{
    struct timespec pause = { 0, 5 * 1000 * 1000 };
    nanosleep(&pause, NULL);
    kill(getpid(), SIGUSR2);
    return unused;
}

static atomic_int g_suspend_handled;
static void on_usr2(int signal) { atomic_store(&g_suspend_handled, signal); }

static void waiting_for_signals(void)
{
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    CHECK(pthread_sigmask(SIG_BLOCK, &set, &old) == 0);
    struct timespec none = { 0, 1000 * 1000 };
    CHECK(sigtimedwait(&set, NULL, &none) == -1 && errno == EAGAIN);
    CHECK(raise(SIGUSR2) == 0); // blocked: stays pending
    siginfo_t info;
    CHECK(sigwaitinfo(&set, &info) == SIGUSR2 && info.si_signo == SIGUSR2);
    union sigval value = { .sival_int = 77 }; // sigqueue: the value and SI_QUEUE come along
    CHECK(sigqueue(getpid(), SIGUSR2, value) == 0);
    CHECK(sigwaitinfo(&set, &info) == SIGUSR2 && info.si_code == SI_QUEUE && info.si_value.sival_int == 77);
    CHECK(info.si_pid == getpid());
    siginfo_t queued = { .si_signo = SIGUSR1, .si_code = SI_QUEUE }; // si_signo is the call's
    queued.si_value.sival_int = 78;
    CHECK(syscall(SYS_rt_tgsigqueueinfo, getpid(), (int)syscall(SYS_gettid), SIGUSR2, &queued) == 0);
    CHECK(sigwaitinfo(&set, &info) == SIGUSR2 && info.si_value.sival_int == 78);
    CHECK(sigqueue(0x7ffffff0, SIGUSR2, value) == -1 && errno == ESRCH);                         // above any pid_max
    CHECK(sigqueue(getpid(), 0, value) == 0 && pthread_sigqueue(pthread_self(), 0, value) == 0); // probes
    value.sival_int = 79;
    CHECK(pthread_sigqueue(pthread_self(), SIGUSR2, value) == 0);
    CHECK(sigwaitinfo(&set, &info) == SIGUSR2 && info.si_code == SI_QUEUE && info.si_value.sival_int == 79);
    pthread_t thread; // a signal sent while the main thread sleeps in sigwait
    pthread_create(&thread, NULL, send_usr2, NULL);
    CHECK(sigwaitinfo(&set, &info) == SIGUSR2 && info.si_code == SI_USER && info.si_pid == getpid());
    pthread_join(thread, NULL);
    pthread_create(&thread, NULL, send_usr2, NULL);
    int received = 0;
    CHECK(sigwait(&set, &received) == 0 && received == SIGUSR2);
    pthread_join(thread, NULL);

    struct sigaction action = { .sa_handler = on_usr2 };
    sigaction(SIGUSR2, &action, NULL);
    pthread_create(&thread, NULL, send_usr2, NULL);
    sigset_t during;
    sigemptyset(&during);
    CHECK(sigsuspend(&during) == -1 && errno == EINTR); // returns once the handler ran
    CHECK(atomic_load(&g_suspend_handled) == SIGUSR2);
    pthread_join(thread, NULL);
    CHECK(pthread_sigmask(SIG_SETMASK, &old, NULL) == 0);
}

// pthread_cancel: deferred cancellation at a cancellation point (a condition wait, a
// sleep), with glibc's pthread_cleanup_push handlers run on the way out.
static pthread_mutex_t g_cancel_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cancel_cond = PTHREAD_COND_INITIALIZER;
static atomic_int g_cleanups;

static void count_cleanup(void* mutex)
{
    atomic_fetch_add(&g_cleanups, 1);
    if (mutex)
        pthread_mutex_unlock(mutex);
}

static void* wait_forever(void* unused)
{
    pthread_mutex_lock(&g_cancel_lock);
    pthread_cleanup_push(count_cleanup, &g_cancel_lock);
    pthread_cleanup_push(count_cleanup, NULL);
    for (;;)
        pthread_cond_wait(&g_cancel_cond, &g_cancel_lock);
    pthread_cleanup_pop(0);
    pthread_cleanup_pop(0);
    return unused;
}

static void* sleep_forever(void* unused)
{
    pthread_cleanup_push(count_cleanup, NULL);
    for (;;)
        sleep(1);
    pthread_cleanup_pop(0);
    return unused;
}

static void cancellation(void)
{
    pthread_t waiter, sleeper_thread;
    pthread_create(&waiter, NULL, wait_forever, NULL);
    pthread_create(&sleeper_thread, NULL, sleep_forever, NULL);
    struct timespec pause = { 0, 10 * 1000 * 1000 };
    nanosleep(&pause, NULL);
    CHECK(pthread_cancel(waiter) == 0);
    CHECK(pthread_cancel(sleeper_thread) == 0);
    void* result = NULL;
    CHECK(pthread_join(waiter, &result) == 0 && result == PTHREAD_CANCELED);
    CHECK(pthread_join(sleeper_thread, &result) == 0 && result == PTHREAD_CANCELED);
    CHECK(atomic_load(&g_cleanups) == 3);
    CHECK(pthread_mutex_trylock(&g_cancel_lock) == 0); // the cleanup released it
    pthread_mutex_unlock(&g_cancel_lock);
}

// A thread that holds a mutex and a write lock until told to let go, for the clock waits.
static pthread_mutex_t g_held = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t g_held_rw = PTHREAD_RWLOCK_INITIALIZER;
static atomic_int g_holding, g_let_go;

static void* hold_locks(void* unused)
{
    pthread_mutex_lock(&g_held);
    pthread_rwlock_wrlock(&g_held_rw);
    atomic_store(&g_holding, 1);
    struct timespec nap = { 0, 1000 * 1000 };
    while (!atomic_load(&g_let_go))
        nanosleep(&nap, NULL);
    pthread_rwlock_unlock(&g_held_rw);
    pthread_mutex_unlock(&g_held);
    return (void*)7;
}

static void* let_go_soon(void* unused)
{
    struct timespec nap = { 0, 20 * 1000 * 1000 };
    nanosleep(&nap, NULL);
    atomic_store(&g_let_go, 1);
    return unused;
}

static struct timespec monotonic_in(long ms)
{
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += ms / 1000;
    deadline.tv_nsec += (ms % 1000) * 1000 * 1000;
    if (deadline.tv_nsec >= 1000000000)
        deadline.tv_sec += 1, deadline.tv_nsec -= 1000000000;
    return deadline;
}

// Locks and joins with a deadline on a chosen clock (glibc 2.30, 2.31): each times out
// while another thread holds what it waits for, and succeeds once it lets go.
static void clock_locks_and_joins(void)
{
    pthread_t holder;
    CHECK(pthread_create(&holder, NULL, hold_locks, NULL) == 0);
    while (!atomic_load(&g_holding))
        sched_yield();
    struct timespec soon = monotonic_in(5);
    CHECK(pthread_mutex_clocklock(&g_held, CLOCK_MONOTONIC, &soon) == ETIMEDOUT);
    CHECK(pthread_rwlock_clockrdlock(&g_held_rw, CLOCK_MONOTONIC, &soon) == ETIMEDOUT);
    CHECK(pthread_rwlock_clockwrlock(&g_held_rw, CLOCK_MONOTONIC, &soon) == ETIMEDOUT);
    CHECK(pthread_clockjoin_np(holder, NULL, CLOCK_MONOTONIC, &soon) == ETIMEDOUT);
    CHECK(pthread_mutex_clocklock(&g_held, CLOCK_THREAD_CPUTIME_ID, &soon) == EINVAL);
    CHECK(pthread_rwlock_clockrdlock(&g_held_rw, CLOCK_PROCESS_CPUTIME_ID, &soon) == EINVAL);
    struct timespec bad = { soon.tv_sec, 1000000000 };
    CHECK(pthread_mutex_clocklock(&g_held, CLOCK_MONOTONIC, &bad) == EINVAL);
    // A deadline as far as time_t goes (libstdc++'s time_point::max()) waits for the holder,
    // here until a helper tells it to let go 20 ms later; it must not time out at once.
    pthread_t releaser;
    CHECK(pthread_create(&releaser, NULL, let_go_soon, NULL) == 0);
    struct timespec forever = { LONG_MAX, 999999999 };
    CHECK(pthread_mutex_clocklock(&g_held, CLOCK_MONOTONIC, &forever) == 0);
    pthread_mutex_unlock(&g_held);
    CHECK(pthread_join(releaser, NULL) == 0);
    struct timespec later = monotonic_in(10000);
    void* result = NULL;
    CHECK(pthread_clockjoin_np(holder, &result, CLOCK_MONOTONIC, &later) == 0 && result == (void*)7);
    struct timespec realtime_later;
    clock_gettime(CLOCK_REALTIME, &realtime_later);
    realtime_later.tv_sec += 10;
    CHECK(pthread_mutex_clocklock(&g_held, CLOCK_REALTIME, &realtime_later) == 0);
    pthread_mutex_unlock(&g_held);
    CHECK(pthread_rwlock_clockrdlock(&g_held_rw, CLOCK_MONOTONIC, &later) == 0);
    CHECK(pthread_rwlock_clockrdlock(&g_held_rw, CLOCK_MONOTONIC, &later) == 0); // readers share
    pthread_rwlock_unlock(&g_held_rw);
    pthread_rwlock_unlock(&g_held_rw);
    CHECK(pthread_rwlock_clockwrlock(&g_held_rw, CLOCK_MONOTONIC, &later) == 0);
    pthread_rwlock_unlock(&g_held_rw);
    CHECK(pthread_create(&holder, NULL, return_argument, (void*)9) == 0);
    CHECK(pthread_clockjoin_np(holder, &result, CLOCK_MONOTONIC, NULL) == 0 && result == (void*)9);
}

// Timed waits on a chosen clock (glibc 2.30).
static void clock_waits(void)
{
    struct timespec deadline = monotonic_in(5);
    pthread_mutex_lock(&g_mutex);
    CHECK(pthread_cond_clockwait(&g_cond, &g_mutex, CLOCK_MONOTONIC, &deadline) == ETIMEDOUT);
    pthread_mutex_unlock(&g_mutex);
    sem_t empty;
    sem_init(&empty, 0, 0);
    CHECK(sem_clockwait(&empty, CLOCK_MONOTONIC, &deadline) == -1 && errno == ETIMEDOUT);
    CHECK(pthread_cond_clockwait(&g_cond, &g_mutex, CLOCK_PROCESS_CPUTIME_ID, &deadline) == EINVAL);
    unsigned cpu = 99, node = 99;
    CHECK(getcpu(&cpu, &node) == 0 && cpu < CPU_SETSIZE && node == 0);
    clock_locks_and_joins();
}

// A signal for a thread that makes no system calls: the kernel pushes a frame onto its
// stack when it is preempted; the handler sees its registers, and the thread's own
// registers and floating-point state are intact afterwards.
static volatile sig_atomic_t g_async_seen;
static atomic_int g_async_context_ok;
static atomic_int g_busy_started;

static void on_async(int signal, siginfo_t* info, void* context)
{
    ucontext_t* uc = context;
    if (signal == SIGUSR1 && info->si_signo == SIGUSR1 && uc->uc_mcontext.gregs[REG_RIP] != 0
        && uc->uc_mcontext.gregs[REG_RSP] != 0)
        atomic_store(&g_async_context_ok, 1);
    g_async_seen = 1;
}

static void* busy(void* unused)
{
    double x = 1.0, y = 0.0;
    unsigned long rounds = 0;
    atomic_store(&g_busy_started, 1);
    while (!g_async_seen) {
        x = x * 1.0000001 + 0.5;
        y += 1.0;
        ++rounds;
    }
    // y counted every round in an SSE register across the interruption.
    return (void*)(intptr_t)(y == (double)rounds && x > 1.0);
}

static void asynchronous_signal(void)
{
    struct sigaction action = { .sa_sigaction = on_async, .sa_flags = SA_SIGINFO };
    sigaction(SIGUSR1, &action, NULL);
    pthread_t thread;
    pthread_create(&thread, NULL, busy, NULL);
    while (!atomic_load(&g_busy_started))
        sched_yield();
    struct timespec pause = { 0, 10 * 1000 * 1000 };
    nanosleep(&pause, NULL);
    CHECK(pthread_kill(thread, SIGUSR1) == 0);
    void* intact = NULL;
    pthread_join(thread, &intact);
    CHECK(g_async_seen);
    CHECK(atomic_load(&g_async_context_ok));
    CHECK(intact == (void*)1);
}

// Interval timers: SIGALRM reaches a thread that spins without system calls, a periodic
// timer keeps firing until it is disarmed, alarm() reports what was left.
static volatile sig_atomic_t g_alarms;
static void on_alarm(int signal) { ++g_alarms; }

static void interval_timers(void)
{
    struct sigaction action = { .sa_handler = on_alarm };
    sigaction(SIGALRM, &action, NULL);
    struct itimerval once = { { 0, 0 }, { 0, 20 * 1000 } };
    CHECK(setitimer(ITIMER_REAL, &once, NULL) == 0);
    while (!g_alarms) { } // no system call: the signal comes through a frame
    CHECK(g_alarms == 1);

    struct itimerval periodic = { { 0, 3 * 1000 }, { 0, 3 * 1000 } }, current;
    CHECK(setitimer(ITIMER_REAL, &periodic, NULL) == 0);
    CHECK(getitimer(ITIMER_REAL, &current) == 0 && current.it_interval.tv_usec == 3000);
    while (g_alarms < 6) {
        sigset_t none;
        sigemptyset(&none);
        sigsuspend(&none); // each alarm ends it
    }
    struct itimerval off = { { 0, 0 }, { 0, 0 } };
    CHECK(setitimer(ITIMER_REAL, &off, &current) == 0 && current.it_interval.tv_usec == 3000);
    CHECK(getitimer(ITIMER_REAL, &current) == 0 && current.it_value.tv_sec == 0 && current.it_value.tv_usec == 0);
    int seen = g_alarms;
    struct timespec pause = { 0, 10 * 1000 * 1000 };
    nanosleep(&pause, NULL);
    CHECK(g_alarms == seen); // disarmed
    CHECK(alarm(10) == 0);
    CHECK(alarm(0) == 10);
}

// POSIX timers: a periodic SIGEV_SIGNAL timer seen through sigwaitinfo (SI_TIMER and the
// sigev_value), an absolute one-shot on CLOCK_REALTIME, and SIGEV_THREAD (musl runs the
// function on a helper thread that the kernel signals with SIGEV_THREAD_ID).
static sem_t g_timer_thread_ran;
static atomic_int g_timer_thread_value;
static void on_timer_thread(union sigval value)
{
    atomic_store(&g_timer_thread_value, value.sival_int);
    sem_post(&g_timer_thread_ran);
}

static void posix_timers(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGRTMIN);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    struct sigevent event = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGRTMIN };
    event.sigev_value.sival_int = 77;
    timer_t timer;
    CHECK(timer_create(CLOCK_MONOTONIC, &event, &timer) == 0);
    struct itimerspec periodic = { { 0, 2 * 1000 * 1000 }, { 0, 2 * 1000 * 1000 } }, current;
    CHECK(timer_settime(timer, 0, &periodic, NULL) == 0);
    for (int i = 0; i < 3; ++i) {
        siginfo_t info;
        CHECK(sigwaitinfo(&set, &info) == SIGRTMIN && info.si_code == SI_TIMER && info.si_value.sival_int == 77);
    }
    CHECK(timer_gettime(timer, &current) == 0 && current.it_interval.tv_nsec == 2 * 1000 * 1000);
    CHECK(timer_getoverrun(timer) >= 0);
    CHECK(timer_delete(timer) == 0);
    // The periodic timer may have expired once more before it was deleted: that SIGRTMIN
    // must not be taken for the next timer's.
    struct timespec no_wait = { 0, 0 };
    while (sigtimedwait(&set, NULL, &no_wait) == SIGRTMIN) { }

    CHECK(timer_create(CLOCK_REALTIME, &event, &timer) == 0);
    struct itimerspec at = { { 0, 0 }, { 0, 0 } };
    clock_gettime(CLOCK_REALTIME, &at.it_value);
    at.it_value.tv_nsec += 3 * 1000 * 1000;
    if (at.it_value.tv_nsec >= 1000000000)
        at.it_value.tv_sec += 1, at.it_value.tv_nsec -= 1000000000;
    CHECK(timer_settime(timer, TIMER_ABSTIME, &at, NULL) == 0);
    struct timespec patience = { 2, 0 };
    CHECK(sigtimedwait(&set, NULL, &patience) == SIGRTMIN);
    CHECK(timer_gettime(timer, &current) == 0 && current.it_value.tv_sec == 0 && current.it_value.tv_nsec == 0);
    CHECK(timer_delete(timer) == 0);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);

    sem_init(&g_timer_thread_ran, 0, 0);
    struct sigevent thread_event = { .sigev_notify = SIGEV_THREAD, .sigev_notify_function = on_timer_thread };
    thread_event.sigev_value.sival_int = 5;
    CHECK(timer_create(CLOCK_MONOTONIC, &thread_event, &timer) == 0);
    struct itimerspec once = { { 0, 0 }, { 0, 1000 * 1000 } };
    CHECK(timer_settime(timer, 0, &once, NULL) == 0);
    struct timespec limit;
    clock_gettime(CLOCK_REALTIME, &limit);
    limit.tv_sec += 2;
    CHECK(sem_timedwait(&g_timer_thread_ran, &limit) == 0 && atomic_load(&g_timer_thread_value) == 5);
    CHECK(timer_delete(timer) == 0);
}

// `threads fault`: a thread that dereferences NULL ends the program as Linux ends it
// (SIGSEGV, status 139), with the kernel's report.
static void* fault(void* unused)
{
    *(volatile int*)unused = 1;
    return NULL;
}

int main(int argc, char** argv)
{
    if (argc > 1 && strcmp(argv[1], "fault") == 0) {
        pthread_t thread;
        pthread_create(&thread, NULL, fault, NULL);
        pthread_join(thread, NULL);
        puts("threads: the faulting thread was joined");
        return 0;
    }
    create_and_join_many();
    run_workers(add_under_mutex, NULL);
    CHECK(g_counter == (long)kWorkers * kRounds);
    condition_variables();
    pthread_barrier_init(&g_barrier, NULL, kWorkers);
    run_workers(barrier_phases, NULL);
    CHECK(atomic_load(&g_serial_threads) == 3);
    run_workers(read_and_write, NULL);
    CHECK(g_rw_value == (long)kWorkers * kRounds);
    CHECK(atomic_load(&g_rw_bad_reads) == 0);
    sem_init(&g_semaphore, 0, 2);
    run_workers(semaphore_slots, NULL);
    CHECK(atomic_load(&g_most_inside) >= 1 && atomic_load(&g_most_inside) <= 2);
    static_initializers();
    thread_locals();
    detached_threads();
    sleeping();
    robust_mutex();
    signal_another_thread();
    names_and_affinity();
    waiting_for_signals();
    cancellation();
    clock_waits();
    asynchronous_signal();
    interval_timers();
    posix_timers();
    if (failures)
        return 1;
    puts("threads: ok");
    return 0;
}
