// A statically linked program: its own glibc relocates it (as a static PIE), sets its own
// thread pointer (arch_prctl), and makes every system call with the syscall instruction.
// Checks that the kernel keeps the program's thread pointer apart from its own through
// system calls, blocking sleeps, a signal handler, and a fault caught by a handler (an
// exception in program code): TLS, errno and the stack protector's canary all live behind
// the program's %fs. Built twice: -static and -static-pie.
#define _GNU_SOURCE
#define TEST_NAME "static_program"
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static __thread int tls_counter = 7;
static __thread char tls_buffer[64];
static volatile sig_atomic_t handled;
static sigjmp_buf recover;

static void on_usr1(int signal_number)
{
    handled = signal_number;
    tls_counter += 100; // the handler runs on the program's thread pointer
}

static volatile sig_atomic_t usr2_seen, alarm_seen;
static void on_usr2(int signal_number) { usr2_seen = signal_number; }
static void on_alarm(int signal_number) { alarm_seen = signal_number; }

static void on_segv(int signal_number)
{
    (void)signal_number;
    siglongjmp(recover, 1);
}

static uint64_t thread_pointer(void)
{
    uint64_t value;
    __asm__ volatile("movq %%fs:0, %0" : "=r"(value)); // glibc's TCB points at itself
    return value;
}

int main(int argc, char** argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    CHECK(argc == 2 && strcmp(argv[1], "argument") == 0);
    CHECK(getenv("STATIC_CHECK") && strcmp(getenv("STATIC_CHECK"), "yes") == 0);
    uint64_t tp = thread_pointer();
    CHECK(tp != 0);

    CHECK(open("/no/such/file", O_RDONLY) == -1 && errno == ENOENT);
    CHECK(tls_counter == 7);
    strcpy(tls_buffer, "thread-local");

    // malloc: small blocks from brk, a large one from mmap.
    char* small = malloc(100);
    char* large = malloc(4 << 20);
    CHECK(small && large);
    memset(large, 0x5a, 4 << 20);
    CHECK(large[(4 << 20) - 1] == 0x5a);
    free(large);
    free(small);

    struct timespec before, after, pause = { 0, 20 * 1000 * 1000 };
    CHECK(clock_gettime(CLOCK_MONOTONIC, &before) == 0);
    CHECK(nanosleep(&pause, NULL) == 0); // blocks: the CPU idles and switches back
    CHECK(clock_gettime(CLOCK_MONOTONIC, &after) == 0);
    int64_t slept = (after.tv_sec - before.tv_sec) * 1000000000LL + (after.tv_nsec - before.tv_nsec);
    CHECK(slept >= 20 * 1000 * 1000);

    struct sigaction usr1 = { .sa_handler = on_usr1 };
    CHECK(sigaction(SIGUSR1, &usr1, NULL) == 0);
    CHECK(raise(SIGUSR1) == 0);
    CHECK(handled == SIGUSR1 && tls_counter == 107);

    // sigsuspend: a signal pending and blocked runs once the temporary mask lets it, and
    // the old mask is back after the handler.
    struct sigaction usr2 = { .sa_handler = on_usr2 };
    CHECK(sigaction(SIGUSR2, &usr2, NULL) == 0);
    sigset_t block, old_mask, empty;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR2);
    sigemptyset(&empty);
    CHECK(sigprocmask(SIG_BLOCK, &block, &old_mask) == 0);
    CHECK(raise(SIGUSR2) == 0 && usr2_seen == 0);
    CHECK(sigsuspend(&empty) == -1 && errno == EINTR && usr2_seen == SIGUSR2);
    sigset_t now;
    CHECK(sigprocmask(SIG_SETMASK, &old_mask, &now) == 0 && sigismember(&now, SIGUSR2));

    // A timer signal interrupts a loop that makes no system call: the program runs with
    // interrupts on, and the handler is entered from an interrupt on its thread pointer.
    struct sigaction alarm_action = { .sa_handler = on_alarm };
    CHECK(sigaction(SIGALRM, &alarm_action, NULL) == 0);
    struct itimerval shot = { { 0, 0 }, { 0, 30 * 1000 } };
    CHECK(setitimer(ITIMER_REAL, &shot, NULL) == 0);
    struct timespec start, spin;
    clock_gettime(CLOCK_MONOTONIC, &start);
    uint64_t spins = 0;
    while (!alarm_seen && ++spins < 4000000000ull)
        __asm__ volatile("" ::: "memory"); // no system call in here
    CHECK(alarm_seen == SIGALRM);
    clock_gettime(CLOCK_MONOTONIC, &spin);
    CHECK(thread_pointer() == tp);

    struct sigaction segv = { .sa_handler = on_segv };
    CHECK(sigaction(SIGSEGV, &segv, NULL) == 0);
    char* page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(page != MAP_FAILED);
    int faulted = 0;
    if (sigsetjmp(recover, 1) == 0)
        page[0] = 1; // a write fault in program code: the handler runs, then longjmp
    else
        faulted = 1;
    CHECK(faulted);

    CHECK(thread_pointer() == tp && strcmp(tls_buffer, "thread-local") == 0);
    if (failures) {
        printf("static_program: %d failures\n", failures);
        return 1;
    }
    puts("static_program: ok");
    return 42;
}
