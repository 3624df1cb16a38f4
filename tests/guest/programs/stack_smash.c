// Overwrites a local array past its end through a path FORTIFY cannot see, so the
// stack protector's canary check (-fstack-protector-strong) must catch it on return:
// "*** stack smashing detected ***", status 134.
#include <stdio.h>

__attribute__((noinline)) static void smash(volatile char* p, int n)
{
    for (int i = 0; i < n; ++i)
        p[i] = 'A';
}

__attribute__((noinline)) static int victim(int n)
{
    char buffer[16];
    smash(buffer, n);
    return buffer[0];
}

int main(int argc, char** argv)
{
    (void)argv;
    int r = victim(64 + argc);
    printf("stack_smash: FAILED: not detected (%d)\n", r);
    return 0;
}
