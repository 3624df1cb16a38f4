// __thread variables of the executable (local-exec TLS), initialised and zero-initialised,
// and the stack guard at %fs:0x28. Prints "tls: ok".
#include <stdint.h>
#include <stdio.h>
#include <string.h>

__thread int counter = 41;
__thread char name[32] = "osprey";
__thread long zeroed[64];
static __thread double aligned_value __attribute__((aligned(64))) = 2.5;

static int bump(void) { return ++counter; }

int main(void)
{
    int failures = 0;
    if (bump() != 42)
        ++failures, printf("tls: FAILED: counter\n");
    if (strcmp(name, "osprey") != 0)
        ++failures, printf("tls: FAILED: name\n");
    for (int i = 0; i < 64; ++i)
        if (zeroed[i] != 0)
            ++failures, printf("tls: FAILED: zeroed[%d]\n", i);
    if (aligned_value != 2.5 || (uintptr_t)&aligned_value % 64)
        ++failures, printf("tls: FAILED: aligned_value\n");
    uintptr_t tp;
    __asm__("mov %%fs:0, %0" : "=r"(tp)); // %fs:0 holds the thread pointer itself
    if (*(uintptr_t*)tp != tp)
        ++failures, printf("tls: FAILED: TCB self pointer\n");
    if ((uintptr_t)&counter >= tp || tp - (uintptr_t)&counter > 65536)
        ++failures, printf("tls: FAILED: executable TLS is not just below the thread pointer\n");
    uintptr_t guard;
    __asm__("mov %%fs:0x28, %0" : "=r"(guard));
    if (guard == 0 || (guard & 0xff) != 0) // glibc zeroes the low byte of the canary
        ++failures, printf("tls: FAILED: stack guard %#lx\n", (unsigned long)guard);
    strcpy(name, "changed");
    if (strcmp(name, "changed") != 0)
        ++failures;
    if (failures)
        return 1;
    printf("tls: ok\n");
    return 0;
}
