// Synchronous faults as Linux delivers them (issue 12; the JVM, node and others rely on
// it): a handler for SIGSEGV, SIGFPE, SIGILL and SIGTRAP runs in the faulting thread with
// siginfo and a ucontext it may change, and recovers with siglongjmp or by moving RIP.
// A stack overflow is caught on an alternate stack. Without a handler the program ends with
// 128 + signal: `fault_signals MODE`, MODE one of divide, ud2, int3, int80, libc-text,
// non-canonical-call, non-canonical-return, non-canonical-libc, libc-divide (int80: `int
// $0x80`, the i386 system-call gate, which Osprey does not offer: SIGSEGV, as a Linux
// without IA32 emulation gives; the libc modes fault inside libc, which here is the
// kernel's code).
#define _GNU_SOURCE
#define TEST_NAME "fault_signals"
#include "check.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

static sigjmp_buf g_recover;
static volatile int g_last_signal, g_last_code;
static volatile uintptr_t g_last_address;

static void recover(int signal, siginfo_t* info, void* context)
{
    g_last_signal = signal;
    g_last_code = info->si_code;
    g_last_address = (uintptr_t)info->si_addr;
    siglongjmp(g_recover, 1);
}

// The JVM's way: skip the faulting instruction by moving RIP in the ucontext.
static void skip_ud2(int signal, siginfo_t* info, void* context)
{
    ucontext_t* uc = context;
    g_last_signal = signal;
    uc->uc_mcontext.gregs[REG_RIP] += 2; // ud2 is 0f 0b
}

static void on_trap(int signal, siginfo_t* info, void* context) { g_last_signal = signal; }

static void install(int signal, void (*handler)(int, siginfo_t*, void*))
{
    struct sigaction action = { .sa_sigaction = handler, .sa_flags = SA_SIGINFO };
    sigaction(signal, &action, NULL);
}

// Stack overflow, caught on an alternate stack (sigaltstack + SA_ONSTACK), as Python's
// faulthandler and the JVM catch it.
static char g_altstack[64 * 1024];
static volatile uintptr_t g_handler_stack;
static void on_altstack(int signal, siginfo_t* info, void* context)
{
    int here;
    g_handler_stack = (uintptr_t)&here;
    g_last_signal = signal;
    siglongjmp(g_recover, 1);
}

static __attribute__((noinline)) int recurse(int depth)
{
    volatile char pad[4096];
    pad[0] = (char)depth;
    return recurse(depth + 1) + pad[0];
}
static void overflow_the_stack(void) { (void)recurse(0); }

static volatile int g_zero = 0;
static const int g_read_only = 5; // .rodata: mapped, not writable
static volatile int* volatile g_read_only_pointer = (volatile int*)&g_read_only;
static volatile int* volatile g_low_pointer = (volatile int*)8;

// The kernel's memory (issue 17). Linux sends SIGSEGV, SEGV_MAPERR, for any user access to
// a kernel address; Osprey's kernel shares the program's address space, with its text
// read-only and executable (W^X), its data not executable, and the rest absent.
static volatile char* volatile g_kernel_absent = (volatile char*)0xfffffe0000000000ul;
static volatile char* volatile g_direct_map = (volatile char*)0xffff800000100000ul;
static void read_kernel_absent(void) { (void)*g_kernel_absent; }
static void jump_into_kernel_data(void) { ((void (*)(void))g_direct_map)(); }
static void write_libc_text(void) { *(volatile char*)(void*)&write = 1; } // Osprey: the kernel's write
// A call to an address no code can have (non-canonical, as a corrupt function pointer or
// PLT slot gives): #GP, so SIGSEGV with SI_KERNEL and no address, as on Linux.
static volatile uintptr_t g_non_canonical_code = 0x0000800000001000ul;
static void call_non_canonical(void) { ((void (*)(void))g_non_canonical_code)(); }
// A ret to it (a smashed return address), and a jump to it, each with a libc address (here
// the kernel's) in the word on top of the stack: still the program's own faults. QEMU
// reports RIP at the target, so the kernel must not take that word for the caller.
static void return_to_non_canonical(void)
{
    __asm__ volatile("push %0\n\tpush %1\n\tret" : : "r"((uintptr_t)&write), "r"(g_non_canonical_code) : "memory");
}
static void jump_to_non_canonical(void)
{
    __asm__ volatile("push %0\n\tjmp *%1" : : "r"((uintptr_t)&write), "r"(g_non_canonical_code) : "memory");
}
// The same address as data, given to libc (on Linux a #GP in libc; here in the kernel's).
static int measure_non_canonical(void) { return (int)strlen((const char*)g_non_canonical_code); }
// A zero divisor given to libc: #DE inside it (on Linux in user-mode libc; here in the kernel).
static int divide_in_libc(void) { return (int)ldiv(1, g_zero).quot; }

static void write_low(void) { *g_low_pointer = 1; }
static void write_read_only(void) { *g_read_only_pointer = 1; }
static void divide_by_zero(void) { g_last_code = 100 / g_zero; }

/// Runs `fault` with the recovery point set; true when a handler jumped back.
static __attribute__((noinline)) int faults(void (*fault)(void))
{
    g_last_signal = 0;
    if (sigsetjmp(g_recover, 1) != 0)
        return 1;
    fault();
    return 0;
}

static void* fault_in_a_thread(void* unused) { return (void*)(intptr_t)(faults(write_low) ? g_last_signal : 0); }

int main(int argc, char** argv)
{
    if (argc > 1) { // no handler: the program ends as Linux ends it
        if (strcmp(argv[1], "divide") == 0)
            return 100 / g_zero;
        if (strcmp(argv[1], "ud2") == 0)
            __asm__ volatile("ud2");
        if (strcmp(argv[1], "int3") == 0)
            __asm__ volatile("int3");
        if (strcmp(argv[1], "int80") == 0) {
            long result = 20; // i386 getpid
            __asm__ volatile("int $0x80" : "+a"(result)::"memory");
            return result == 20 ? 2 : 3; // reached only if the gate returned
        }
        if (strcmp(argv[1], "libc-text") == 0)
            write_libc_text();
        if (strcmp(argv[1], "non-canonical-call") == 0)
            call_non_canonical();
        if (strcmp(argv[1], "non-canonical-return") == 0)
            return_to_non_canonical();
        if (strcmp(argv[1], "non-canonical-libc") == 0)
            return measure_non_canonical();
        if (strcmp(argv[1], "libc-divide") == 0)
            return divide_in_libc();
        return 1;
    }
    install(SIGSEGV, recover);
    CHECK(faults(write_low) && g_last_signal == SIGSEGV && g_last_code == SEGV_MAPERR && g_last_address == 8);
    CHECK(faults(write_read_only) && g_last_signal == SIGSEGV && g_last_code == SEGV_ACCERR
        && g_last_address == (uintptr_t)&g_read_only);
    CHECK(faults(read_kernel_absent) && g_last_signal == SIGSEGV && g_last_code == SEGV_MAPERR
        && g_last_address == (uintptr_t)g_kernel_absent);
    CHECK(faults(jump_into_kernel_data) && g_last_signal == SIGSEGV && g_last_code == SEGV_MAPERR
        && g_last_address == (uintptr_t)g_direct_map);
    CHECK(faults(write_libc_text) && g_last_signal == SIGSEGV && g_last_address == (uintptr_t)(void*)&write);
    CHECK(faults(call_non_canonical) && g_last_signal == SIGSEGV && g_last_code == SI_KERNEL && g_last_address == 0);
    CHECK(
        faults(return_to_non_canonical) && g_last_signal == SIGSEGV && g_last_code == SI_KERNEL && g_last_address == 0);
    CHECK(faults(jump_to_non_canonical) && g_last_signal == SIGSEGV && g_last_code == SI_KERNEL && g_last_address == 0);
    install(SIGFPE, recover);
    CHECK(faults(divide_by_zero) && g_last_signal == SIGFPE && g_last_code == FPE_INTDIV);

    install(SIGILL, skip_ud2);
    g_last_signal = 0;
    __asm__ volatile("ud2");        // not __builtin_trap: the compiler assumes that never returns
    CHECK(g_last_signal == SIGILL); // execution went on after the ud2

    install(SIGTRAP, on_trap);
    g_last_signal = 0;
    __asm__ volatile("int3");
    CHECK(g_last_signal == SIGTRAP);

    // The mask the handler ran with is gone after siglongjmp(…, 1): SIGSEGV works again.
    g_last_signal = 0;
    pthread_t thread;
    void* seen = NULL;
    pthread_create(&thread, NULL, fault_in_a_thread, NULL);
    pthread_join(thread, &seen);
    CHECK((intptr_t)seen == SIGSEGV);
    // A stack overflow takes SIGSEGV on the alternate stack.
    stack_t alternate = { .ss_sp = g_altstack, .ss_size = sizeof(g_altstack) };
    stack_t previous;
    CHECK(sigaltstack(&alternate, NULL) == 0 && sigaltstack(NULL, &previous) == 0);
    CHECK(previous.ss_sp == g_altstack && previous.ss_size == sizeof(g_altstack) && previous.ss_flags == 0);
    struct sigaction action = { .sa_sigaction = on_altstack, .sa_flags = SA_SIGINFO | SA_ONSTACK };
    sigaction(SIGSEGV, &action, NULL);
    CHECK(faults(overflow_the_stack) && g_last_signal == SIGSEGV);
    CHECK(g_handler_stack > (uintptr_t)g_altstack && g_handler_stack < (uintptr_t)g_altstack + sizeof(g_altstack));
    stack_t tiny = { .ss_sp = g_altstack, .ss_size = 100 };
    CHECK(sigaltstack(&tiny, NULL) == -1 && errno == ENOMEM);
    if (failures)
        return 1;
    puts("fault_signals: ok");
    return 0;
}
