// ucontext with glibc's layout (issue 13; 23 of the 50 measured programs import it):
// coroutines through makecontext/swapcontext with seven arguments (one on the stack), uc_link
// on return, getcontext/setcontext resuming the point getcontext saved (returning 0 again),
// the signal mask carried by a context, and the stack alignment a function started by
// makecontext sees. Prints "ucontext: ok".
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

#define TEST_NAME "ucontext"
#include "check.h"

static ucontext_t main_context, worker_context, finished_context;
static char worker_stack[64 * 1024] __attribute__((aligned(16)));
static int trace[16], steps;

static void worker(int a, int b, int c, int d, int e, int f, int g)
{
    _Alignas(16) volatile char probe[16] = { 0 }; // the compiler trusts the psABI's 16-byte stack
    CHECK(((uintptr_t)probe & 15) == 0);
    char text[64];
    snprintf(text, sizeof(text), "%.1f", 2.5 + g); // SSE on the new stack: needs 16-byte alignment
    CHECK(strcmp(text, "9.5") == 0);
    CHECK(a == 1 && b == 2 && c == 3 && d == 4 && e == 5 && f == 6 && g == 7);
    for (int i = 0; i < 3; ++i) {
        trace[steps++] = 100 + i;
        swapcontext(&worker_context, &main_context);
    }
    trace[steps++] = 200; // then returns: uc_link (finished_context) resumes
}

int main(void)
{
    CHECK(getcontext(&worker_context) == 0);
    worker_context.uc_stack.ss_sp = worker_stack;
    worker_context.uc_stack.ss_size = sizeof(worker_stack);
    worker_context.uc_link = &finished_context;
    makecontext(&worker_context, (void (*)(void))worker, 7, 1, 2, 3, 4, 5, 6, 7);
    volatile int finished = 0;
    CHECK(getcontext(&finished_context) == 0);
    if (!finished) {
        for (int i = 0; i < 3; ++i) {
            trace[steps++] = i;
            CHECK(swapcontext(&main_context, &worker_context) == 0);
        }
        finished = 1;
        swapcontext(&main_context, &worker_context); // the worker's last step, then uc_link
        CHECK(0 && "resumed after the worker returned");
    }
    int expected[] = { 0, 100, 1, 101, 2, 102, 200 };
    CHECK(steps == 7 && memcmp(trace, expected, sizeof(expected)) == 0);

    volatile int resumed = 0; // setcontext goes back to getcontext, which returns 0 again
    ucontext_t again;
    CHECK(getcontext(&again) == 0);
    if (++resumed < 3)
        setcontext(&again);
    CHECK(resumed == 3);

    sigset_t blocked, now;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGUSR1);
    ucontext_t with_mask;
    volatile int pass = 0;
    CHECK(getcontext(&with_mask) == 0);
    if (pass++ == 0) {
        with_mask.uc_sigmask = blocked; // resuming it must set this mask
        setcontext(&with_mask);
    }
    sigprocmask(SIG_BLOCK, NULL, &now);
    CHECK(sigismember(&now, SIGUSR1));
    if (failures)
        return 1;
    printf("ucontext: ok\n");
    return 0;
}
