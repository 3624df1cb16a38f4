// glibc-only imports that stopped real programs at load (issue 13): __libc_stack_end (ld.so
// data, read by node's and ruby's stack scanners) and strerrordesc_np (nginx, fio).
// Prints "glibc_extras: ok".
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

extern void* __libc_stack_end;

int main(int argc, char** argv)
{
    int failures = 0;
    uintptr_t end = (uintptr_t)__libc_stack_end, here = (uintptr_t)&argc;
    // The initial stack's top as _start saw it: above main's frame, below argv's strings.
    if (end == 0 || end <= here || end > (uintptr_t)argv[0] || end - here > (1 << 20))
        ++failures, printf("glibc_extras: FAILED: __libc_stack_end %#lx (main's frame %#lx)\n", (unsigned long)end,
            (unsigned long)here);
    const char* inval = strerrordesc_np(EINVAL);
    if (!inval || strcmp(inval, "Invalid argument") != 0)
        ++failures, printf("glibc_extras: FAILED: strerrordesc_np(EINVAL) = %s\n", inval ? inval : "NULL");
    if (!strerrordesc_np(0) || strcmp(strerrordesc_np(0), "Success") != 0)
        ++failures, printf("glibc_extras: FAILED: strerrordesc_np(0)\n");
    if (strerrordesc_np(9999) != NULL || strerrordesc_np(-1) != NULL)
        ++failures, printf("glibc_extras: FAILED: strerrordesc_np of an unknown number is not NULL\n");
    if (failures)
        return 1;
    printf("glibc_extras: ok\n");
    return 0;
}
