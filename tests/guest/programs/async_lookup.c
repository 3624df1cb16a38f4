// glibc's asynchronous name lookups: getaddrinfo_a with GAI_WAIT and GAI_NOWAIT (told by a
// thread and by a signal), gai_error, gai_suspend, gai_cancel, over numeric addresses and
// /etc/hosts names (no DNS). Checked against glibc on Linux.
#define _GNU_SOURCE
#define TEST_NAME "async_lookup"
#include "check.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static struct addrinfo numeric = { .ai_flags = AI_NUMERICHOST, .ai_family = AF_INET, .ai_socktype = SOCK_STREAM };
static struct addrinfo streams = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM };

static struct gaicb request(const char* name, const char* service, const struct addrinfo* hints)
{
    struct gaicb control = { .ar_name = name, .ar_service = service, .ar_request = hints };
    return control;
}

static int port_of(const struct gaicb* control)
{
    if (!control->ar_result)
        return -1;
    return ntohs(((struct sockaddr_in*)control->ar_result->ai_addr)->sin_port);
}

static void wait_mode(void)
{
    struct gaicb one = request("127.0.0.1", "80", &numeric);
    struct gaicb two = request("localhost", "8080", &streams);
    struct gaicb bad = request("999.1.1.1", NULL, &numeric);
    struct gaicb* list[] = { &one, NULL, &two, &bad };
    CHECK(getaddrinfo_a(GAI_WAIT, list, 4, NULL) == 0);
    CHECK(gai_error(&one) == 0 && port_of(&one) == 80);
    CHECK(gai_error(&two) == 0 && port_of(&two) == 8080);
    CHECK(gai_error(&bad) == EAI_NONAME && bad.ar_result == NULL);
    CHECK(gai_cancel(&one) == EAI_ALLDONE);
    freeaddrinfo(one.ar_result);
    freeaddrinfo(two.ar_result);
    errno = 0;
    CHECK(getaddrinfo_a(7, list, 1, NULL) == EAI_SYSTEM && errno == EINVAL);
}

static atomic_int thread_told, signal_told, signal_code;

static void told_by_thread(union sigval value) { thread_told = value.sival_int; }

static void told_by_signal(int number, siginfo_t* info, void* context)
{
    (void)number;
    (void)context;
    signal_code = info->si_code;
    signal_told = info->si_value.sival_int;
}

static void wait_until(atomic_int* flag)
{
    for (int i = 0; i < 2000 && !*flag; ++i) {
        struct timespec pause = { 0, 1000000 };
        nanosleep(&pause, NULL);
    }
}

static void nowait_mode(void)
{
    struct gaicb one = request("127.0.0.2", "443", &numeric);
    struct gaicb* list[] = { &one };
    struct sigevent event = { .sigev_notify = SIGEV_THREAD, .sigev_notify_function = told_by_thread };
    event.sigev_value.sival_int = 42;
    CHECK(getaddrinfo_a(GAI_NOWAIT, list, 1, &event) == 0);
    const struct gaicb* waiting[] = { &one };
    int suspended = gai_suspend(waiting, 1, NULL); // EAI_ALLDONE if it was done before
    CHECK(suspended == 0 || suspended == EAI_ALLDONE);
    CHECK(gai_error(&one) == 0 && port_of(&one) == 443);
    CHECK(gai_suspend(waiting, 1, NULL) == EAI_ALLDONE);
    wait_until(&thread_told);
    CHECK(thread_told == 42);
    freeaddrinfo(one.ar_result);

    struct sigaction action = { .sa_sigaction = told_by_signal, .sa_flags = SA_SIGINFO };
    sigemptyset(&action.sa_mask);
    CHECK(sigaction(SIGUSR1, &action, NULL) == 0);
    struct gaicb two = request("localhost", NULL, &streams);
    list[0] = &two;
    event = (struct sigevent) { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
    event.sigev_value.sival_int = 7;
    CHECK(getaddrinfo_a(GAI_NOWAIT, list, 1, &event) == 0);
    wait_until(&signal_told);
    CHECK(signal_told == 7 && signal_code == SI_ASYNCNL && gai_error(&two) == 0);
    freeaddrinfo(two.ar_result);

    const struct gaicb* none[] = { NULL };
    struct timespec short_wait = { 0, 1000000 };
    CHECK(gai_suspend(none, 1, &short_wait) == EAI_ALLDONE);
}

// Many requests and a cancel of the last at once: whichever state it was in, what
// gai_cancel said agrees with gai_error afterwards. A cancelled request's gai_error is
// EAI_CANCELED (the manual; Osprey), though glibc 2.36's gai_cancel leaves it
// EAI_INPROGRESS: either is accepted.
static void cancel(void)
{
    enum { kCount = 64 };
    struct gaicb controls[kCount];
    struct gaicb* list[kCount];
    for (int i = 0; i < kCount; ++i) {
        controls[i] = request("127.0.0.1", "22", &numeric);
        list[i] = &controls[i];
    }
    CHECK(getaddrinfo_a(GAI_NOWAIT, list, kCount, NULL) == 0);
    int said = gai_cancel(&controls[kCount - 1]);
    CHECK(said == EAI_CANCELED || said == EAI_NOTCANCELED || said == EAI_ALLDONE);
    int waited = said == EAI_CANCELED ? kCount - 1 : kCount;
    for (int i = 0; i < waited; ++i) {
        const struct gaicb* one[] = { &controls[i] };
        while (gai_error(&controls[i]) == EAI_INPROGRESS)
            gai_suspend(one, 1, NULL);
        CHECK(gai_error(&controls[i]) == 0);
        freeaddrinfo(controls[i].ar_result);
    }
    int last = gai_error(&controls[kCount - 1]);
    if (said == EAI_CANCELED)
        CHECK((last == EAI_CANCELED || last == EAI_INPROGRESS) && controls[kCount - 1].ar_result == NULL);
    CHECK(gai_cancel(&controls[0]) == EAI_ALLDONE);
}

int main(void)
{
    wait_mode();
    nowait_mode();
    cancel();
    if (!failures)
        printf(TEST_NAME ": ok\n");
    return failures ? 1 : 0;
}
