// Pipes (issue 14, built on the threads of issue 12): data and end of file, EPIPE and
// SIGPIPE, O_NONBLOCK, PIPE_BUF atomicity between writer threads, readers and writers that
// block until the other side acts, poll/ppoll/select/pselect readiness and waits,
// FIONREAD, F_GETPIPE_SZ, eventfd counters, epoll,
// close-on-exec, dup'ed ends, and stdio on a pipe. `pipes sigpipe` writes to a pipe whose
// reader is gone without handling SIGPIPE: the program dies as on Linux (status 141).
#define _GNU_SOURCE
#define TEST_NAME "pipes"
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void pause_ms(int ms)
{
    struct timespec ts = { 0, ms * 1000L * 1000L };
    nanosleep(&ts, NULL);
}

static void data_and_end_of_file(void)
{
    int fds[2];
    CHECK(pipe(fds) == 0);
    struct stat st;
    CHECK(fstat(fds[0], &st) == 0 && S_ISFIFO(st.st_mode));
    CHECK(write(fds[1], "hello", 5) == 5);
    int available = -1;
    CHECK(ioctl(fds[0], FIONREAD, &available) == 0 && available == 5);
    char buffer[16] = { 0 };
    CHECK(read(fds[0], buffer, 3) == 3 && memcmp(buffer, "hel", 3) == 0);
    CHECK(read(fds[0], buffer, sizeof(buffer)) == 2 && memcmp(buffer, "lo", 2) == 0);
    CHECK(read(fds[1], buffer, 1) == -1 && errno == EBADF);
    CHECK(write(fds[0], "x", 1) == -1 && errno == EBADF);
    int spare = dup(fds[1]);
    close(fds[1]);
    CHECK(write(spare, "!", 1) == 1); // the dup keeps the write side open
    CHECK(read(fds[0], buffer, sizeof(buffer)) == 1);
    close(spare);
    CHECK(read(fds[0], buffer, sizeof(buffer)) == 0); // end of file
    close(fds[0]);
}

static void broken_pipe(void)
{
    signal(SIGPIPE, SIG_IGN);
    int fds[2];
    CHECK(pipe(fds) == 0);
    close(fds[0]);
    CHECK(write(fds[1], "x", 1) == -1 && errno == EPIPE);
    close(fds[1]);
    signal(SIGPIPE, SIG_DFL);
}

static void non_blocking_and_size(void)
{
    int fds[2];
    CHECK(pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0);
    CHECK(fcntl(fds[0], F_GETFD) & FD_CLOEXEC);
    CHECK(fcntl(fds[1], F_GETFL) & O_NONBLOCK);
    char byte;
    CHECK(read(fds[0], &byte, 1) == -1 && errno == EAGAIN);
    CHECK(fcntl(fds[1], F_GETPIPE_SZ) == 65536);
    static char chunk[4096]; // whole pages: Linux packs smaller atomic writes less tightly
    long total = 0;
    ssize_t n;
    while ((n = write(fds[1], chunk, sizeof(chunk))) > 0)
        total += n;
    CHECK(n == -1 && errno == EAGAIN);
    CHECK(total == 65536);
    CHECK(pipe2(fds, O_DIRECT) == -1 && errno == EINVAL);
    close(fds[0]);
    close(fds[1]);
}

// A reader blocks until a writer writes; a writer blocks on a full pipe until a reader reads.
static int g_fds[2];

static void* read_one(void* unused)
{
    char buffer[8];
    return (void*)(intptr_t)read(g_fds[0], buffer, sizeof(buffer));
}

static void* write_page(void* unused)
{
    static char page[4096];
    return (void*)(intptr_t)write(g_fds[1], page, sizeof(page));
}

static void blocking_both_ways(void)
{
    CHECK(pipe(g_fds) == 0);
    pthread_t thread;
    pthread_create(&thread, NULL, read_one, NULL);
    pause_ms(20);
    CHECK(write(g_fds[1], "wake", 4) == 4);
    void* got;
    pthread_join(thread, &got);
    CHECK((intptr_t)got == 4);
    static char fill[65536];
    CHECK(write(g_fds[1], fill, sizeof(fill)) == (ssize_t)sizeof(fill));
    pthread_create(&thread, NULL, write_page, NULL); // blocks: the pipe is full
    pause_ms(20);
    static char drain[4096];
    CHECK(read(g_fds[0], drain, sizeof(drain)) == (ssize_t)sizeof(drain));
    pthread_join(thread, &got);
    CHECK((intptr_t)got == 4096);
    close(g_fds[0]);
    close(g_fds[1]);
}

// Writers of PIPE_BUF-sized records never interleave inside one.
enum { kWriters = 4, kRecords = 100, kRecord = 4096 };

static void* write_records(void* argument)
{
    char record[kRecord];
    memset(record, (int)(intptr_t)argument, sizeof(record));
    for (int i = 0; i < kRecords; ++i)
        if (write(g_fds[1], record, sizeof(record)) != (ssize_t)sizeof(record))
            return (void*)1;
    return NULL;
}

static void atomic_records(void)
{
    CHECK(pipe(g_fds) == 0);
    pthread_t writers[kWriters];
    for (int i = 0; i < kWriters; ++i)
        pthread_create(&writers[i], NULL, write_records, (void*)(intptr_t)('a' + i));
    static char stream[kWriters * kRecords * kRecord];
    size_t have = 0;
    while (have < sizeof(stream)) {
        ssize_t n = read(g_fds[0], stream + have, sizeof(stream) - have);
        if (n <= 0)
            break;
        have += (size_t)n;
    }
    CHECK(have == sizeof(stream));
    int torn = 0, counts[kWriters] = { 0 };
    for (size_t record = 0; record < have / kRecord; ++record) {
        const char* start = stream + record * kRecord;
        for (int i = 1; i < kRecord; ++i)
            torn += start[i] != start[0];
        if (start[0] >= 'a' && start[0] < 'a' + kWriters)
            ++counts[start[0] - 'a'];
    }
    CHECK(torn == 0);
    for (int i = 0; i < kWriters; ++i) {
        void* failed;
        pthread_join(writers[i], &failed);
        CHECK(failed == NULL && counts[i] == kRecords);
    }
    close(g_fds[0]);
    close(g_fds[1]);
}

static void* write_later(void* unused)
{
    pause_ms(20);
    return (void*)(intptr_t)write(g_fds[1], "p", 1);
}

static void polling(void)
{
    CHECK(pipe(g_fds) == 0);
    struct pollfd both[2] = { { g_fds[0], POLLIN, 0 }, { g_fds[1], POLLOUT, 0 } };
    CHECK(poll(both, 1, 30) == 0); // empty: times out
    CHECK(poll(both + 1, 1, 0) == 1 && both[1].revents == POLLOUT);
    pthread_t thread;
    pthread_create(&thread, NULL, write_later, NULL);
    CHECK(poll(both, 1, -1) == 1 && (both[0].revents & POLLIN)); // sleeps until the write
    pthread_join(thread, NULL);
    close(g_fds[1]);
    char byte;
    CHECK(read(g_fds[0], &byte, 1) == 1);
    CHECK(poll(both, 1, 0) == 1 && (both[0].revents & POLLHUP));
    close(g_fds[0]);
    struct pollfd closed = { g_fds[0], POLLIN, 0 };
    CHECK(poll(&closed, 1, 0) == 1 && closed.revents == POLLNVAL);
}

// select, pselect and ppoll on the same pipes; select as a sleep (old code does that).
static void selecting(void)
{
    CHECK(pipe(g_fds) == 0);
    fd_set readable, writable;
    FD_ZERO(&readable);
    FD_SET(g_fds[0], &readable);
    struct timeval tv = { 0, 30 * 1000 };
    CHECK(select(g_fds[0] + 1, &readable, NULL, NULL, &tv) == 0 && !FD_ISSET(g_fds[0], &readable));
    FD_ZERO(&writable);
    FD_SET(g_fds[1], &writable);
    FD_SET(g_fds[0], &readable);
    CHECK(select(g_fds[1] + 1, &readable, &writable, NULL, NULL) == 1);
    CHECK(FD_ISSET(g_fds[1], &writable) && !FD_ISSET(g_fds[0], &readable));
    pthread_t thread;
    pthread_create(&thread, NULL, write_later, NULL);
    FD_ZERO(&readable);
    FD_SET(g_fds[0], &readable);
    CHECK(pselect(g_fds[0] + 1, &readable, NULL, NULL, NULL, NULL) == 1 && FD_ISSET(g_fds[0], &readable));
    pthread_join(thread, NULL);
    struct pollfd in = { g_fds[0], POLLIN, 0 };
    struct timespec zero = { 0, 0 };
    sigset_t mask;
    sigemptyset(&mask);
    CHECK(ppoll(&in, 1, &zero, &mask) == 1 && (in.revents & POLLIN));
    struct timeval nap = { 0, 20 * 1000 };
    CHECK(select(0, NULL, NULL, NULL, &nap) == 0);
    close(g_fds[1]);
    FD_ZERO(&readable);
    FD_SET(g_fds[1], &readable);
    CHECK(select(g_fds[1] + 1, &readable, NULL, NULL, &nap) == -1 && errno == EBADF);
    close(g_fds[0]);
}

// eventfd: a counter as a file, with blocking reads and poll readiness.
static int g_event;

static void* read_event(void* unused)
{
    uint64_t value = 0;
    if (read(g_event, &value, sizeof(value)) != sizeof(value))
        return NULL;
    return (void*)(uintptr_t)value;
}

static void event_counters(void)
{
    int efd = eventfd(3, EFD_NONBLOCK | EFD_CLOEXEC);
    CHECK(efd >= 0 && (fcntl(efd, F_GETFD) & FD_CLOEXEC));
    uint64_t value = 0;
    CHECK(read(efd, &value, sizeof(value)) == 8 && value == 3);
    CHECK(read(efd, &value, sizeof(value)) == -1 && errno == EAGAIN);
    value = 5;
    CHECK(write(efd, &value, sizeof(value)) == 8);
    value = 2;
    CHECK(write(efd, &value, sizeof(value)) == 8);
    struct pollfd p = { efd, POLLIN | POLLOUT, 0 };
    CHECK(poll(&p, 1, 0) == 1 && p.revents == (POLLIN | POLLOUT));
    CHECK(read(efd, &value, sizeof(value)) == 8 && value == 7);
    CHECK(poll(&p, 1, 0) == 1 && p.revents == POLLOUT);
    uint32_t small;
    CHECK(read(efd, &small, sizeof(small)) == -1 && errno == EINVAL);
    value = UINT64_MAX;
    CHECK(write(efd, &value, sizeof(value)) == -1 && errno == EINVAL);
    value = UINT64_MAX - 1;
    CHECK(write(efd, &value, sizeof(value)) == 8);
    value = 1;
    CHECK(write(efd, &value, sizeof(value)) == -1 && errno == EAGAIN); // it would pass 2^64 - 2
    close(efd);

    int semaphore = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
    CHECK(read(semaphore, &value, sizeof(value)) == 8 && value == 1);
    CHECK(read(semaphore, &value, sizeof(value)) == 8 && value == 1);
    CHECK(read(semaphore, &value, sizeof(value)) == -1 && errno == EAGAIN);
    close(semaphore);

    g_event = eventfd(0, 0);
    pthread_t thread;
    pthread_create(&thread, NULL, read_event, NULL); // blocks: the counter is 0
    pause_ms(20);
    CHECK(eventfd_write(g_event, 42) == 0);
    void* got;
    pthread_join(thread, &got);
    CHECK((uintptr_t)got == 42);
    close(g_event);
}

// epoll: level and edge triggering, one-shot, errors, a blocking wait, closed descriptors
// leaving the interest list, and an epoll inside an epoll.
static void* write_later_event(void* unused)
{
    pause_ms(20);
    return (void*)(intptr_t)eventfd_write(g_event, 1);
}

static void epolling(void)
{
    int ep = epoll_create1(EPOLL_CLOEXEC);
    CHECK(ep >= 0 && (fcntl(ep, F_GETFD) & FD_CLOEXEC));
    CHECK(pipe(g_fds) == 0);
    struct epoll_event event = { EPOLLIN, { .u64 = 7 } }, got[4];
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, g_fds[0], &event) == 0);
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, g_fds[0], &event) == -1 && errno == EEXIST);
    CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, g_fds[1], NULL) == -1 && errno == ENOENT);
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &event) == -1 && errno == EINVAL);
    int regular = open("/app/pipes", O_RDONLY);
    CHECK(regular >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, regular, &event) == -1 && errno == EPERM);
    close(regular);
    CHECK(epoll_wait(ep, got, 4, 20) == 0);
    CHECK(write(g_fds[1], "e", 1) == 1);
    CHECK(epoll_wait(ep, got, 4, 0) == 1 && got[0].events == EPOLLIN && got[0].data.u64 == 7);
    CHECK(epoll_wait(ep, got, 4, 0) == 1); // level-triggered: still there
    event.events = EPOLLIN | EPOLLONESHOT;
    CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, g_fds[0], &event) == 0);
    CHECK(epoll_wait(ep, got, 4, 0) == 1);
    CHECK(epoll_wait(ep, got, 4, 0) == 0); // one shot, until re-armed
    CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, g_fds[0], &event) == 0);
    CHECK(epoll_wait(ep, got, 4, 0) == 1);
    CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, g_fds[0], NULL) == 0);

    g_event = eventfd(0, EFD_NONBLOCK);
    struct epoll_event edge = { EPOLLIN | EPOLLET, { .u64 = 9 } };
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, g_event, &edge) == 0);
    CHECK(epoll_wait(ep, got, 4, 0) == 0);
    eventfd_write(g_event, 1);
    CHECK(epoll_wait(ep, got, 4, 0) == 1 && got[0].data.u64 == 9);
    CHECK(epoll_wait(ep, got, 4, 0) == 0); // edge-triggered: nothing new
    eventfd_write(g_event, 1);
    CHECK(epoll_wait(ep, got, 4, 0) == 1);
    eventfd_t drained;
    eventfd_read(g_event, &drained);
    pthread_t thread;
    pthread_create(&thread, NULL, write_later_event, NULL);
    CHECK(epoll_wait(ep, got, 4, -1) == 1 && got[0].data.u64 == 9); // sleeps until the write
    pthread_join(thread, NULL);

    int outer = epoll_create1(0);
    struct epoll_event inner = { EPOLLIN, { .u64 = 1 } };
    CHECK(epoll_ctl(outer, EPOLL_CTL_ADD, ep, &inner) == 0);
    eventfd_write(g_event, 1);
    CHECK(epoll_wait(outer, got, 4, 0) == 1 && got[0].data.u64 == 1);
    close(g_event); // its item leaves the inner instance with it
    CHECK(epoll_wait(ep, got, 4, 0) == 0);
    CHECK(epoll_wait(outer, got, 4, 0) == 0);
    CHECK(epoll_wait(g_fds[0], got, 4, 0) == -1 && errno == EINVAL);
    close(outer);
    close(ep);
    close(g_fds[0]);
    close(g_fds[1]);
}

// A descriptor closed while pselect waits under its own mask: EBADF, and the thread's mask
// is its own again afterwards.
static void* close_reader_later(void* unused)
{
    pause_ms(20);
    return (void*)(intptr_t)close(g_fds[0]);
}

static void closed_while_selecting(void)
{
    CHECK(pipe(g_fds) == 0);
    sigset_t during, now;
    sigemptyset(&during);
    sigaddset(&during, SIGUSR2);
    fd_set readable;
    FD_ZERO(&readable);
    FD_SET(g_fds[0], &readable);
    pthread_t thread;
    pthread_create(&thread, NULL, close_reader_later, NULL);
    CHECK(pselect(g_fds[0] + 1, &readable, NULL, NULL, NULL, &during) == -1 && errno == EBADF);
    pthread_join(thread, NULL);
    pthread_sigmask(SIG_SETMASK, NULL, &now);
    CHECK(!sigismember(&now, SIGUSR2));
    close(g_fds[1]);
}

// stdio on a pipe: a line comes back as soon as it is there, not when a buffer fills.
static void* answer_line(void* unused)
{
    const char line[] = "question?\n";
    return (void*)(intptr_t)write(g_fds[1], line, sizeof(line) - 1);
}

static void stdio_lines(void)
{
    CHECK(pipe(g_fds) == 0);
    FILE* in = fdopen(g_fds[0], "r");
    pthread_t thread;
    pthread_create(&thread, NULL, answer_line, NULL);
    char line[64] = { 0 };
    CHECK(fgets(line, sizeof(line), in) != NULL && strcmp(line, "question?\n") == 0);
    pthread_join(thread, NULL);
    close(g_fds[1]);
    CHECK(fgets(line, sizeof(line), in) == NULL && feof(in));
    fclose(in);
}

int main(int argc, char** argv)
{
    if (argc > 1 && strcmp(argv[1], "sigpipe") == 0) {
        int fds[2];
        if (pipe(fds) != 0)
            return 2;
        close(fds[0]);
        ssize_t written = write(fds[1], "x", 1);
        printf("pipes: still alive after SIGPIPE (write returned %zd)\n", written);
        return 0;
    }
    data_and_end_of_file();
    broken_pipe();
    non_blocking_and_size();
    blocking_both_ways();
    atomic_records();
    polling();
    selecting();
    closed_while_selecting();
    event_counters();
    epolling();
    stdio_lines();
    if (failures)
        return 1;
    puts("pipes: ok");
    return 0;
}
