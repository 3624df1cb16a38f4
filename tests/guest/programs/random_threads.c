// getrandom from several threads at once with a virtio-rng device (`--rng`): each request
// may sleep on the device's interrupt, and the others must wait their turn rather than go
// into the same queue meanwhile (the test rejects the kernel's "falling back" warning,
// which a mixed-up queue produces).
#define _GNU_SOURCE
#define TEST_NAME "random_threads"
#include "check.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>

enum { kThreads = 4, kRequests = 100, kBytes = 4096 };

static void* draw(void* unused)
{
    static __thread unsigned char buffer[kBytes];
    for (int i = 0; i < kRequests; ++i) {
        memset(buffer, 0, sizeof(buffer));
        if (getrandom(buffer, sizeof(buffer), 0) != (ssize_t)sizeof(buffer))
            return (void*)1;
        int nonzero = 0;
        for (size_t j = 0; j < sizeof(buffer); ++j)
            nonzero += buffer[j] != 0;
        if (nonzero < kBytes / 2) // 4096 random bytes have about 16 zeros
            return (void*)2;
    }
    return NULL;
}

int main(void)
{
    pthread_t threads[kThreads];
    for (int i = 0; i < kThreads; ++i)
        CHECK(pthread_create(&threads[i], NULL, draw, NULL) == 0);
    for (int i = 0; i < kThreads; ++i) {
        void* result;
        pthread_join(threads[i], &result);
        CHECK(result == NULL);
    }
    if (failures)
        return 1;
    puts("random_threads: ok");
    return 0;
}
