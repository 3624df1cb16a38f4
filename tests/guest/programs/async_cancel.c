// Asynchronous cancellation (PTHREAD_CANCEL_ASYNCHRONOUS): pthread_cancel ends a thread
// that spins in its own code without calling anything, and one blocked in read, at once;
// each one's cleanup handler (pthread_cleanup_push) runs and pthread_join gives
// PTHREAD_CANCELED. A thread with cancellation disabled finishes its work first. Built
// dynamic and -static. Prints "async_cancel: ok".
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#define TEST_NAME "async_cancel"
#include "check.h"

static volatile int started;
static volatile int cleaned_up;
static volatile unsigned long spins;
static int pipe_ends[2];

static void sleep_ms(long ms)
{
    struct timespec pause = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&pause, NULL);
}

static void clean_up(void* unused)
{
    (void)unused;
    cleaned_up++;
}

static void* spin(void* unused)
{
    (void)unused;
    pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, NULL);
    pthread_cleanup_push(clean_up, NULL);
    started = 1;
    for (;;)
        spins++;
    pthread_cleanup_pop(0);
    return NULL;
}

static void* block_in_read(void* unused)
{
    (void)unused;
    pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, NULL);
    pthread_cleanup_push(clean_up, NULL);
    started = 1;
    char byte;
    (void)!read(pipe_ends[0], &byte, 1);
    pthread_cleanup_pop(0);
    return NULL;
}

static void* finish_first(void* unused)
{
    (void)unused;
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
    pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, NULL);
    started = 1;
    sleep_ms(200); // cancelled meanwhile
    return (void*)42;
}

static void* cancelled(void* (*body)(void*))
{
    started = 0;
    pthread_t thread;
    pthread_create(&thread, NULL, body, NULL);
    while (!started)
        sleep_ms(1);
    sleep_ms(50);
    CHECK(pthread_cancel(thread) == 0);
    void* result = NULL;
    pthread_join(thread, &result);
    return result;
}

int main(void)
{
    CHECK(pipe(pipe_ends) == 0);
    CHECK(cancelled(spin) == PTHREAD_CANCELED);
    CHECK(spins > 0 && cleaned_up == 1);
    CHECK(cancelled(block_in_read) == PTHREAD_CANCELED);
    CHECK(cleaned_up == 2);
    CHECK(cancelled(finish_first) == (void*)42);
    if (failures)
        return 1;
    puts("async_cancel: ok");
    return 0;
}
