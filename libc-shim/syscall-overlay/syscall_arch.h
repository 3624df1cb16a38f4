/* Osprey's replacement for musl's arch/x86_64/syscall_arch.h (found first through
 * -iquote when musl is compiled for the kernel). musl's system calls become plain calls of
 * the kernel's dispatcher, osprey_syscall() in kernel/syscall/, instead of the `syscall`
 * instruction: the application and musl run in ring 0 inside the kernel. No vDSO is
 * declared, so musl's clock_gettime goes straight to the kernel too. */
#define __SYSCALL_LL_E(x) (x)
#define __SYSCALL_LL_O(x) (x)

long osprey_syscall(long n, long a1, long a2, long a3, long a4, long a5, long a6);

static __inline long __syscall0(long n) { return osprey_syscall(n, 0, 0, 0, 0, 0, 0); }
static __inline long __syscall1(long n, long a1) { return osprey_syscall(n, a1, 0, 0, 0, 0, 0); }
static __inline long __syscall2(long n, long a1, long a2) { return osprey_syscall(n, a1, a2, 0, 0, 0, 0); }
static __inline long __syscall3(long n, long a1, long a2, long a3) { return osprey_syscall(n, a1, a2, a3, 0, 0, 0); }
static __inline long __syscall4(long n, long a1, long a2, long a3, long a4)
{
    return osprey_syscall(n, a1, a2, a3, a4, 0, 0);
}
static __inline long __syscall5(long n, long a1, long a2, long a3, long a4, long a5)
{
    return osprey_syscall(n, a1, a2, a3, a4, a5, 0);
}
static __inline long __syscall6(long n, long a1, long a2, long a3, long a4, long a5, long a6)
{
    return osprey_syscall(n, a1, a2, a3, a4, a5, a6);
}

#define IPC_64 0
