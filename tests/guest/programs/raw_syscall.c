// The syscall instruction (kernel/arch/x86_64/system_call_instruction.h): the Linux register
// convention (result in rax, rcx = return address, r11 = flags, every other register kept),
// the red zone kept, -errno results, signals run on the way out, rt_sigreturn from a
// restorer of the program's own, and threads in raw calls at once (one of them blocked).
// Prints "raw_syscall: ok".
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int failures;
#define CHECK(condition)                                                                                               \
    do {                                                                                                               \
        if (!(condition)) {                                                                                            \
            printf("raw_syscall: FAILED line %d: %s\n", __LINE__, #condition);                                         \
            ++failures;                                                                                                \
        }                                                                                                              \
    } while (0)

static long raw0(long n)
{
    long result;
    __asm__ volatile("syscall" : "=a"(result) : "a"(n) : "rcx", "r11", "memory");
    return result;
}

static long raw3(long n, long a, long b, long c)
{
    long result;
    __asm__ volatile("syscall" : "=a"(result) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return result;
}

static long raw4(long n, long a, long b, long c, long d)
{
    long result;
    register long r10 __asm__("r10") = d;
    __asm__ volatile("syscall" : "=a"(result) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
    return result;
}

// Every register the kernel must keep, set to known values around one getpid; what they
// held afterwards, and rcx/r11 and where the call returned to.
struct Registers {
    uint64_t after[11]; // rdi rsi rdx r8 r9 r10 r12 r13 r14 r15 rbx
    uint64_t rcx, r11, return_address, red_zone_mismatches;
};

static void keep_registers(struct Registers* out)
{
    __asm__ volatile(
        "push %%rbx\n push %%r12\n push %%r13\n push %%r14\n push %%r15\n push %%rdi\n"
        "mov $0x1111, %%rdi\n mov $0x2222, %%rsi\n mov $0x3333, %%rdx\n mov $0x8888, %%r8\n mov $0x9999, %%r9\n"
        "mov $0xaaaa, %%r10\n mov $0xc0c0, %%r12\n mov $0xd0d0, %%r13\n mov $0xe0e0, %%r14\n mov $0xf0f0, %%r15\n"
        "mov $0xb0b0, %%rbx\n"
        // The red zone: 16 words below %rsp that a leaf may use without moving %rsp.
        "mov $16, %%rcx\n"
        "1: mov %%rcx, %%rax\n imul $0x01010101, %%rax\n neg %%rcx\n mov %%rax, (%%rsp,%%rcx,8)\n neg %%rcx\n"
        "dec %%rcx\n jnz 1b\n"
        "mov $39, %%eax\n syscall\n"
        "2: mov (%%rsp), %%rax\n" // the saved pointer to out
        "mov %%rdi, 0(%%rax)\n mov %%rsi, 8(%%rax)\n mov %%rdx, 16(%%rax)\n mov %%r8, 24(%%rax)\n"
        "mov %%r9, 32(%%rax)\n mov %%r10, 40(%%rax)\n mov %%r12, 48(%%rax)\n mov %%r13, 56(%%rax)\n"
        "mov %%r14, 64(%%rax)\n mov %%r15, 72(%%rax)\n mov %%rbx, 80(%%rax)\n mov %%rcx, 88(%%rax)\n"
        "mov %%r11, 96(%%rax)\n lea 2b(%%rip), %%rdx\n mov %%rdx, 104(%%rax)\n"
        "xor %%rdi, %%rdi\n mov $16, %%rcx\n"
        "3: mov %%rcx, %%rdx\n imul $0x01010101, %%rdx\n neg %%rcx\n cmp %%rdx, (%%rsp,%%rcx,8)\n"
        "je 4f\n inc %%rdi\n 4: neg %%rcx\n dec %%rcx\n jnz 3b\n"
        "mov %%rdi, 112(%%rax)\n"
        "pop %%rdi\n pop %%r15\n pop %%r14\n pop %%r13\n pop %%r12\n pop %%rbx\n"
        :
        : "D"(out)
        : "rax", "rcx", "rdx", "rsi", "r8", "r9", "r10", "r11", "memory", "cc");
}

static volatile sig_atomic_t g_usr1, g_usr2;
static void on_usr1(int signal) { g_usr1 = signal; }
static void on_usr2(int signal, siginfo_t* info, void* context)
{
    (void)context;
    g_usr2 = signal == SIGUSR2 && info->si_signo == SIGUSR2;
}

// A restorer of the program's own, as Go's runtime installs: rt_sigreturn by instruction.
__asm__(".text\n restore_by_instruction:\n mov $15, %eax\n syscall\n ud2\n");
extern void restore_by_instruction(void);

struct KernelSigaction {
    void* handler;
    unsigned long flags;
    void (*restorer)(void);
    uint64_t mask;
};

static atomic_int g_sleeper_done;
static void* sleeper(void* unused)
{
    struct timespec nap = { 0, 50 * 1000 * 1000 };
    long slept = raw3(SYS_nanosleep, (long)&nap, 0, 0); // blocks in the kernel on its own stack
    atomic_store(&g_sleeper_done, slept == 0 ? 1 : -1);
    return unused;
}

int main(void)
{
    static const char line[] = "raw_syscall: write by instruction\n";
    CHECK(raw3(SYS_write, 1, (long)line, sizeof(line) - 1) == (long)sizeof(line) - 1);
    CHECK(raw0(SYS_getpid) == getpid());
    CHECK(raw0(SYS_gettid) == gettid());
    CHECK(raw3(SYS_close, -1, 0, 0) == -9); // -EBADF, not -1 and errno

    struct Registers r;
    memset(&r, 0, sizeof(r));
    uint64_t flags = __builtin_ia32_readeflags_u64();
    keep_registers(&r);
    const uint64_t expected[11]
        = { 0x1111, 0x2222, 0x3333, 0x8888, 0x9999, 0xaaaa, 0xc0c0, 0xd0d0, 0xe0e0, 0xf0f0, 0xb0b0 };
    for (int i = 0; i < 11; ++i)
        CHECK(r.after[i] == expected[i]);
    CHECK(r.rcx == r.return_address);          // rcx: where the instruction returns to
    CHECK((r.r11 & 0x202) == (flags & 0x202)); // r11: the flags (reserved bit 1; IF as it was)
    CHECK(r.red_zone_mismatches == 0);

    // A signal sent by the call itself runs before the call returns to the program.
    signal(SIGUSR1, on_usr1);
    CHECK(raw3(SYS_tgkill, getpid(), gettid(), SIGUSR1) == 0);
    CHECK(g_usr1 == SIGUSR1);

    // A handler installed by instruction, whose restorer calls rt_sigreturn by instruction.
    struct KernelSigaction action
        = { (void*)on_usr2, SA_SIGINFO | 0x04000000 /* SA_RESTORER */, restore_by_instruction, 0 };
    CHECK(raw4(SYS_rt_sigaction, SIGUSR2, (long)&action, 0, 8) == 0);
    CHECK(raw3(SYS_tgkill, getpid(), gettid(), SIGUSR2) == 0);
    CHECK(g_usr2 == 1);
    keep_registers(&r); // and the context it restored is whole
    for (int i = 0; i < 11; ++i)
        CHECK(r.after[i] == expected[i]);

    // sigaltstack by instruction sees the caller's stack, not the kernel's.
    stack_t current;
    CHECK(raw3(SYS_sigaltstack, 0, (long)&current, 0) == 0);
    CHECK(current.ss_flags == SS_DISABLE);

    // Another thread blocked in a raw call while this one makes thousands.
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, sleeper, NULL) == 0);
    long pid = getpid();
    for (int i = 0; i < 20000 && atomic_load(&g_sleeper_done) == 0; ++i)
        CHECK(raw0(SYS_getpid) == pid);
    CHECK(pthread_join(thread, NULL) == 0);
    CHECK(atomic_load(&g_sleeper_done) == 1);

    if (failures)
        return 1;
    puts("raw_syscall: ok");
    return 0;
}
