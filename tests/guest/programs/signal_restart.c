// System calls interrupted by a signal, as Linux ends or restarts them (signal(7)): a
// thread blocks in a call, another sends it a signal once it waits, and the call's result
// says what happened.
// - A handler with SA_RESTART: read on a pipe, accept, and a futex wait without a timeout
//   start again and return what came later; without SA_RESTART they fail with EINTR.
// - poll, epoll_wait, nanosleep, pause, a futex wait with a timeout and a receive with
//   SO_RCVTIMEO fail with EINTR even under SA_RESTART.
// - A signal that is ignored (SIG_IGN, or a default action of ignore: SIGCHLD, SIGWINCH)
//   does not interrupt the call at all, nor end sigsuspend or pause; a blocked one still
//   reaches sigtimedwait and a signalfd read on another thread.
// - glibc's signal() installs handlers with SA_RESTART.
// - pthread_cancel still ends a thread blocked in read under a SA_RESTART handler.
// - sigsuspend, ppoll and pselect run the handler under their temporary mask and then
//   give the old mask back.
// - A handler for raise(), sigsuspend, ppoll or pselect may siglongjmp away: other
//   threads' calls go on.
// Built twice: dynamic (the kernel's libc answers the calls) and -static (the program's own
// glibc makes them with the syscall instruction). Prints "signal_restart: ok".
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define TEST_NAME "signal_restart"
#include "check.h"

static volatile int handled;
static void on_signal(int signal)
{
    (void)signal;
    handled++;
}

static void handle(int signal, int flags)
{
    struct sigaction action = { .sa_handler = on_signal, .sa_flags = flags };
    sigemptyset(&action.sa_mask);
    sigaction(signal, &action, NULL);
}

static void sleep_ms(long ms)
{
    struct timespec pause = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&pause, &pause) != 0 && errno == EINTR) { }
}

// What a blocked call gave back: its value and errno, and whether it still waited after
// the signal (for a call that `after` ends).
struct Outcome {
    long value;
    int error;
    int waited_after_signal;
};

// One interrupted call: `call(argument)` on a new thread; once it has been waiting for a
// while, `signal` goes to that thread. Then `after(argument)` ends the wait the way the
// call expects; without one, the signal goes again every 50 ms until the call returns (a
// slow machine may send the first before the call waits). Returns what the call returned.
struct Interrupted {
    long (*call)(void* argument);
    void* argument;
    volatile int started;
    volatile int finished;
    struct Outcome outcome;
};

static void* run_call(void* interrupted_)
{
    struct Interrupted* interrupted = interrupted_;
    interrupted->started = 1;
    errno = 0;
    interrupted->outcome.value = interrupted->call(interrupted->argument);
    interrupted->outcome.error = errno;
    interrupted->finished = 1;
    return NULL;
}

static struct Outcome interrupt(long (*call)(void*), void (*after)(void*), void* argument, int signal)
{
    struct Interrupted interrupted = { call, argument, 0, 0, { 0, 0, 0 } };
    pthread_t thread;
    pthread_create(&thread, NULL, run_call, &interrupted);
    while (!interrupted.started)
        sleep_ms(1);
    sleep_ms(100); // it is in the call and waits by now
    pthread_kill(thread, signal);
    sleep_ms(100); // the handler has run, and the call returned or waits again
    if (after) {
        interrupted.outcome.waited_after_signal = !interrupted.finished;
        after(argument);
    } else {
        for (int sent = 1; !interrupted.finished && sent < 100; sent++) {
            pthread_kill(thread, signal);
            sleep_ms(50);
        }
    }
    pthread_join(thread, NULL);
    return interrupted.outcome;
}

static int pipe_ends[2];
static long read_pipe(void* unused)
{
    (void)unused;
    char byte;
    return read(pipe_ends[0], &byte, 1);
}
static void write_pipe(void* unused)
{
    (void)unused;
    (void)!write(pipe_ends[1], "x", 1);
}

static unsigned futex_word;
static long futex_wait_forever(void* unused)
{
    (void)unused;
    return syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
}
static long futex_wait_long(void* unused)
{
    (void)unused;
    struct timespec timeout = { 5, 0 };
    return syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 0, &timeout, NULL, 0);
}
static void futex_wake(void* unused)
{
    (void)unused;
    __atomic_store_n(&futex_word, 1, __ATOMIC_SEQ_CST);
    syscall(SYS_futex, &futex_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static long poll_long(void* unused)
{
    (void)unused;
    struct pollfd watched = { pipe_ends[0], POLLIN, 0 };
    return poll(&watched, 1, 5000);
}

static int epoll_fd;
static long epoll_wait_long(void* unused)
{
    (void)unused;
    struct epoll_event event;
    return epoll_wait(epoll_fd, &event, 1, 5000);
}

static long pause_once(void* unused)
{
    (void)unused;
    return pause();
}

static long sleep_long(void* unused)
{
    (void)unused;
    struct timespec pause = { 5, 0 };
    return nanosleep(&pause, NULL);
}

static int listener;
static struct sockaddr_in listen_address;
static long accept_one(void* unused)
{
    (void)unused;
    return accept(listener, NULL, NULL);
}
static void connect_one(void* unused)
{
    (void)unused;
    int client = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(connect(client, (struct sockaddr*)&listen_address, sizeof(listen_address)) == 0);
    close(client);
}

static int timed_socket;
static long receive_with_timeout(void* unused)
{
    (void)unused;
    char byte;
    return recv(timed_socket, &byte, 1, 0);
}

static void* read_until_cancelled(void* unused)
{
    (void)unused;
    char byte;
    (void)!read(pipe_ends[0], &byte, 1);
    return NULL;
}

static void check_pipe(void)
{
    handle(SIGUSR1, SA_RESTART);
    handled = 0;
    struct Outcome read_restarted = interrupt(read_pipe, write_pipe, NULL, SIGUSR1);
    CHECK(read_restarted.value == 1 && read_restarted.waited_after_signal && handled == 1);

    handle(SIGUSR1, 0);
    handled = 0;
    struct Outcome read_interrupted = interrupt(read_pipe, NULL, NULL, SIGUSR1);
    CHECK(read_interrupted.value == -1 && read_interrupted.error == EINTR && handled >= 1);

    // glibc's signal() asks for SA_RESTART (BSD semantics).
    signal(SIGUSR1, on_signal);
    handled = 0;
    struct Outcome read_after_signal = interrupt(read_pipe, write_pipe, NULL, SIGUSR1);
    CHECK(read_after_signal.value == 1 && read_after_signal.waited_after_signal && handled == 1);

    // Ignored signals are dropped when sent: the read goes on waiting.
    signal(SIGUSR2, SIG_IGN);
    struct Outcome read_ignoring = interrupt(read_pipe, write_pipe, NULL, SIGUSR2);
    CHECK(read_ignoring.value == 1);
    struct Outcome read_default_ignoring = interrupt(read_pipe, write_pipe, NULL, SIGWINCH);
    CHECK(read_default_ignoring.value == 1);
    struct Outcome read_sigchld = interrupt(read_pipe, write_pipe, NULL, SIGCHLD);
    CHECK(read_sigchld.value == 1);
}

static void check_waits_that_never_restart(void)
{
    handle(SIGUSR1, SA_RESTART);
    handled = 0;
    struct Outcome polled = interrupt(poll_long, NULL, NULL, SIGUSR1);
    CHECK(polled.value == -1 && polled.error == EINTR);
    struct Outcome epolled = interrupt(epoll_wait_long, NULL, NULL, SIGUSR1);
    CHECK(epolled.value == -1 && epolled.error == EINTR);
    struct Outcome slept = interrupt(sleep_long, NULL, NULL, SIGUSR1);
    CHECK(slept.value == -1 && slept.error == EINTR);
    struct Outcome futex_timed = interrupt(futex_wait_long, NULL, NULL, SIGUSR1);
    CHECK(futex_timed.value == -1 && futex_timed.error == EINTR);
    struct Outcome paused = interrupt(pause_once, NULL, NULL, SIGUSR1);
    CHECK(paused.value == -1 && paused.error == EINTR);
    CHECK(handled >= 5);
}

static void check_futex(void)
{
    handle(SIGUSR1, SA_RESTART);
    futex_word = 0;
    struct Outcome restarted = interrupt(futex_wait_forever, futex_wake, NULL, SIGUSR1);
    // 0 when woken; EAGAIN if it started again only after the word changed.
    CHECK(restarted.waited_after_signal && (restarted.value == 0 || restarted.error == EAGAIN));

    handle(SIGUSR1, 0);
    futex_word = 0;
    struct Outcome interrupted = interrupt(futex_wait_forever, NULL, NULL, SIGUSR1);
    CHECK(interrupted.value == -1 && interrupted.error == EINTR);
}

static void check_sockets(void)
{
    listener = socket(AF_INET, SOCK_STREAM, 0);
    listen_address.sin_family = AF_INET;
    listen_address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(listen_address);
    CHECK(bind(listener, (struct sockaddr*)&listen_address, sizeof(listen_address)) == 0);
    CHECK(getsockname(listener, (struct sockaddr*)&listen_address, &length) == 0);
    CHECK(listen(listener, 4) == 0);

    handle(SIGUSR1, SA_RESTART);
    struct Outcome accepted = interrupt(accept_one, connect_one, NULL, SIGUSR1);
    CHECK(accepted.value >= 0 && accepted.waited_after_signal);
    if (accepted.value >= 0)
        close((int)accepted.value);

    // A receive timeout makes the call end with EINTR whatever SA_RESTART says.
    int pair[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0);
    timed_socket = pair[0];
    struct timeval timeout = { 5, 0 };
    CHECK(setsockopt(timed_socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout)) == 0);
    struct Outcome received = interrupt(receive_with_timeout, NULL, NULL, SIGUSR1);
    CHECK(received.value == -1 && received.error == EINTR);
    close(pair[0]);
    close(pair[1]);
    close(listener);
}

static volatile int suspended_returned;
static void* suspend(void* use_pause)
{
    sigset_t none;
    sigemptyset(&none);
    if (use_pause) {
        pthread_sigmask(SIG_SETMASK, &none, NULL);
        pause();
    } else
        sigsuspend(&none);
    suspended_returned = 1;
    return NULL;
}

// An ignored signal does not end sigsuspend or pause (it is dropped when sent); a handled
// one does.
static void check_suspend(int use_pause)
{
    handle(SIGUSR1, SA_RESTART);
    suspended_returned = 0;
    sigset_t blocked, saved;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &blocked, &saved); // the new thread starts with it blocked
    pthread_t thread;
    pthread_create(&thread, NULL, suspend, use_pause ? &thread : NULL);
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    sleep_ms(100);
    pthread_kill(thread, SIGWINCH);
    sleep_ms(100);
    CHECK(!suspended_returned);
    handled = 0;
    for (int sent = 0; !suspended_returned && sent < 100; sent++) { // until it waits (slow TCG)
        pthread_kill(thread, SIGUSR1);
        sleep_ms(50);
    }
    pthread_join(thread, NULL);
    CHECK(suspended_returned && handled >= 1);
}

static void* take_by_signalfd(void* descriptor)
{
    struct signalfd_siginfo info;
    if (read(*(int*)descriptor, &info, sizeof(info)) != sizeof(info))
        return NULL;
    return (void*)(long)info.ssi_signo;
}

static void* take_by_sigwaitinfo(void* set) { return (void*)(long)sigwaitinfo(set, NULL); }

// SIGCHLD is ignored by default, but a thread that blocks it keeps it when it is sent:
// a signalfd read and sigwaitinfo on that thread take it.
static void check_blocked_ignored(void)
{
    sigset_t child;
    sigemptyset(&child);
    sigaddset(&child, SIGCHLD);
    pthread_sigmask(SIG_BLOCK, &child, NULL); // the new threads start with it blocked
    int descriptor = signalfd(-1, &child, 0);
    CHECK(descriptor >= 0);
    pthread_t reader, waiter;
    void* taken = NULL;
    pthread_create(&reader, NULL, take_by_signalfd, &descriptor);
    sleep_ms(100);
    pthread_kill(reader, SIGCHLD);
    pthread_join(reader, &taken);
    CHECK(taken == (void*)SIGCHLD);
    pthread_create(&waiter, NULL, take_by_sigwaitinfo, &child);
    sleep_ms(100);
    pthread_kill(waiter, SIGCHLD);
    pthread_join(waiter, &taken);
    CHECK(taken == (void*)SIGCHLD);
    close(descriptor);
    pthread_sigmask(SIG_UNBLOCK, &child, NULL);
}

// A periodic timer whose SIGALRM is ignored interrupts nothing: a 300 ms poll times out
// (were the signals kept, each would restart the wait, which would never end).
static void check_ignored_timer(void)
{
    signal(SIGALRM, SIG_IGN);
    struct itimerval every_20ms = { { 0, 20000 }, { 0, 20000 } }, off = { { 0, 0 }, { 0, 0 } };
    CHECK(setitimer(ITIMER_REAL, &every_20ms, NULL) == 0);
    struct timespec before, after;
    clock_gettime(CLOCK_MONOTONIC, &before);
    CHECK(poll(NULL, 0, 300) == 0);
    clock_gettime(CLOCK_MONOTONIC, &after);
    setitimer(ITIMER_REAL, &off, NULL);
    long elapsed_ms = (after.tv_sec - before.tv_sec) * 1000 + (after.tv_nsec - before.tv_nsec) / 1000000;
    CHECK(elapsed_ms >= 290);
    signal(SIGALRM, SIG_DFL);
}

static sigjmp_buf jumped_from_handler;
static void jump_away(int signal)
{
    (void)signal;
    siglongjmp(jumped_from_handler, 1);
}

static volatile long worker_calls;
static volatile int stop_worker;
static void* call_and_count(void* unused)
{
    (void)unused;
    while (!stop_worker) {
        (void)!write(pipe_ends[1], "", 0);
        worker_calls++;
    }
    return NULL;
}

// How the main thread takes SIGUSR2, pending and blocked until the call opens the mask
// (raise: it is not blocked then); `temporary` is the call's mask.
enum { BY_RAISE, BY_SIGSUSPEND, BY_PPOLL, BY_PSELECT };
static void take_signal(int how, const sigset_t* temporary)
{
    struct timespec ten_seconds = { 10, 0 };
    switch (how) {
    case BY_RAISE: raise(SIGUSR2); break;
    case BY_SIGSUSPEND: CHECK(sigsuspend(temporary) == -1 && errno == EINTR); break;
    case BY_PPOLL: CHECK(ppoll(NULL, 0, &ten_seconds, temporary) == -1 && errno == EINTR); break;
    case BY_PSELECT: CHECK(pselect(0, NULL, NULL, NULL, &ten_seconds, temporary) == -1 && errno == EINTR); break;
    }
}

// A handler that siglongjmps away leaves nothing of the kernel held: another thread's
// system calls go on while this one runs its own code (up to 10 s: they stopped for good
// when the kernel's lock stayed with the thread that jumped, from raise() before c604d03
// and from sigsuspend, ppoll and pselect, whose handlers ran inside the call).
static void check_longjmp_from_handler(int how, const sigset_t* temporary)
{
    signal(SIGUSR2, jump_away);
    stop_worker = 0;
    pthread_t worker;
    pthread_create(&worker, NULL, call_and_count, NULL);
    if (sigsetjmp(jumped_from_handler, 1) == 0)
        take_signal(how, temporary);
    long before = worker_calls;
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    do
        clock_gettime(CLOCK_MONOTONIC, &now); // a vDSO-style clock: no kernel section
    while (worker_calls < before + 100 && now.tv_sec - start.tv_sec < 10);
    CHECK(worker_calls >= before + 100);
    stop_worker = 1;
    pthread_join(worker, NULL);
    signal(SIGUSR2, SIG_DFL);
}

static volatile int handler_saw_temporary_mask;
static void note_mask(int signal)
{
    (void)signal;
    sigset_t now;
    pthread_sigmask(SIG_BLOCK, NULL, &now);
    handler_saw_temporary_mask = sigismember(&now, SIGUSR1) && sigismember(&now, SIGUSR2);
}

static volatile int times_taken[NSIG];
static void count_taken(int signal) { times_taken[signal]++; }

// Two signals pending and blocked, both let through by the call's mask: both handlers run
// before the call returns, though the first one's return blocks the second again.
static void check_two_let_through(int how)
{
    sigset_t both, none, saved;
    sigemptyset(&both);
    sigaddset(&both, SIGUSR1);
    sigaddset(&both, SIGUSR2);
    sigemptyset(&none);
    pthread_sigmask(SIG_BLOCK, &both, &saved);
    struct sigaction counting = { .sa_handler = count_taken }, old_usr1, old_usr2;
    sigaction(SIGUSR1, &counting, &old_usr1);
    sigaction(SIGUSR2, &counting, &old_usr2);
    times_taken[SIGUSR1] = times_taken[SIGUSR2] = 0;
    raise(SIGUSR1);
    raise(SIGUSR2);
    take_signal(how, &none);
    CHECK(times_taken[SIGUSR1] == 1 && times_taken[SIGUSR2] == 1);
    sigaction(SIGUSR1, &old_usr1, NULL);
    sigaction(SIGUSR2, &old_usr2, NULL);
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
}

// sigsuspend, ppoll and pselect take a pending signal under their temporary mask: the
// handler runs with that mask (and its own signal) blocked, and the thread's mask is the
// old one again after it, or after a handler that jumps away (sigsetjmp's).
static void check_temporary_masks(void)
{
    sigset_t usr2, temporary, saved, now;
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);
    sigemptyset(&temporary);
    sigaddset(&temporary, SIGUSR1);
    for (int how = BY_SIGSUSPEND; how <= BY_PSELECT; how++) {
        pthread_sigmask(SIG_BLOCK, &usr2, &saved);
        signal(SIGUSR2, note_mask);
        handler_saw_temporary_mask = 0;
        raise(SIGUSR2); // pending: blocked until the call's mask opens
        take_signal(how, &temporary);
        CHECK(handler_saw_temporary_mask);
        pthread_sigmask(SIG_BLOCK, NULL, &now);
        CHECK(sigismember(&now, SIGUSR2) && !sigismember(&now, SIGUSR1));
        raise(SIGUSR2);
        check_longjmp_from_handler(how, &temporary);
        pthread_sigmask(SIG_BLOCK, NULL, &now);
        CHECK(sigismember(&now, SIGUSR2) && !sigismember(&now, SIGUSR1));
        pthread_sigmask(SIG_SETMASK, &saved, NULL);
        check_two_let_through(how);
    }
}

static void check_cancel(void)
{
    handle(SIGUSR1, SA_RESTART);
    pthread_t reader;
    pthread_create(&reader, NULL, read_until_cancelled, NULL);
    sleep_ms(100);
    pthread_cancel(reader);
    void* result = NULL;
    pthread_join(reader, &result);
    CHECK(result == PTHREAD_CANCELED);
}

int main(void)
{
    CHECK(pipe(pipe_ends) == 0);
    epoll_fd = epoll_create1(0);
    check_pipe();
    check_waits_that_never_restart();
    check_futex();
    check_sockets();
    check_suspend(0);
    check_suspend(1);
    check_blocked_ignored();
    check_ignored_timer();
    check_longjmp_from_handler(BY_RAISE, NULL);
    check_temporary_masks();
    check_cancel();
    if (failures)
        return 1;
    puts("signal_restart: ok");
    return 0;
}
