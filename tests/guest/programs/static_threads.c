// Threads of a statically linked program: its own glibc's pthread_create makes them with
// the clone system call by the syscall instruction (clone3 first, which is ENOSYS here as
// on older Linux). Each thread has its own thread pointer, TLS and errno; mutexes and
// condition variables (futexes) work between them; join, detached threads, pthread_exit.
#define _GNU_SOURCE
#define TEST_NAME "static_threads"
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define THREADS 8
#define ROUNDS 20000

static __thread int tls_value;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static long counter;
static int detached_done;

static void* worker(void* argument)
{
    int index = (int)(intptr_t)argument;
    tls_value = index * 10;
    if (open("/no/such/file", O_RDONLY) != -1 || errno != ENOENT)
        return (void*)1;
    for (int i = 0; i < ROUNDS; ++i) {
        pthread_mutex_lock(&lock);
        ++counter;
        pthread_mutex_unlock(&lock);
        if (i % 1000 == 0)
            sched_yield();
    }
    if (tls_value != index * 10)
        return (void*)2;
    if (index == 0)
        pthread_exit((void*)(intptr_t)(100 + index)); // the other way out
    return (void*)(intptr_t)(100 + index);
}

static void* detached(void* unused)
{
    (void)unused;
    pthread_mutex_lock(&lock);
    detached_done = 1;
    pthread_cond_signal(&changed);
    pthread_mutex_unlock(&lock);
    return NULL;
}

static int count_mappings(void)
{
    int fd = open("/proc/self/maps", O_RDONLY);
    if (fd < 0)
        return -1;
    static char text[1 << 20];
    size_t length = 0;
    ssize_t n;
    while (length < sizeof(text) && (n = read(fd, text + length, sizeof(text) - length)) > 0)
        length += (size_t)n;
    close(fd);
    int lines = 0;
    for (size_t i = 0; i < length; ++i)
        lines += text[i] == '\n';
    return lines;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    tls_value = -1;
    pthread_t threads[THREADS];
    for (int i = 0; i < THREADS; ++i)
        CHECK(pthread_create(&threads[i], NULL, worker, (void*)(intptr_t)i) == 0);
    for (int i = 0; i < THREADS; ++i) {
        void* result = NULL;
        CHECK(pthread_join(threads[i], &result) == 0);
        CHECK((intptr_t)result == 100 + i);
    }
    CHECK(counter == (long)THREADS * ROUNDS);
    CHECK(tls_value == -1);

    pthread_t helper;
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    CHECK(pthread_create(&helper, &attributes, detached, NULL) == 0);
    pthread_mutex_lock(&lock);
    while (!detached_done)
        pthread_cond_wait(&changed, &lock); // sleeps until the other thread signals
    pthread_mutex_unlock(&lock);

    // Many short threads: each one's exit clears its tid for join (CLONE_CHILD_CLEARTID),
    // and leaves no mapping behind (glibc keeps a few stacks cached; the kernel, none).
    int mappings_before = count_mappings();
    for (int i = 0; i < 200; ++i) {
        pthread_t t;
        void* result = NULL;
        CHECK(pthread_create(&t, NULL, worker, (void*)(intptr_t)(1 + i % 7)) == 0);
        CHECK(pthread_join(t, &result) == 0 && (intptr_t)result == 101 + i % 7);
    }
    int mappings_after = count_mappings();
    CHECK(mappings_before > 0 && mappings_after - mappings_before < 40);
    if (failures) {
        printf("static_threads: %d failures\n", failures);
        return 1;
    }
    printf("static_threads: ok (%ld increments)\n", counter);
    return 0;
}
