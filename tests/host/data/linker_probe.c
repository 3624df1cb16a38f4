// Test input: a hardened PIE that prints where glibc put its TLS variables relative to the
// thread pointer (the host's ld.so and GCC's local-exec code agree on these offsets), so
// the linker's static TLS layout can be checked against reality. Also imports puts.
#include <stdio.h>

__thread int probe_small = 3;
__thread char probe_aligned[40] __attribute__((aligned(64))) = { 1 };
__thread long probe_bss;

static long offset_of(const void* p)
{
    char* tp;
    __asm__("mov %%fs:0, %0" : "=r"(tp)); // the TCB's self pointer: the thread pointer
    return (long)((const char*)p - tp);
}

int main(void)
{
    printf("%ld %ld %ld\n", offset_of(&probe_small), offset_of(probe_aligned), offset_of(&probe_bss));
    puts("ok");
    return 0;
}
