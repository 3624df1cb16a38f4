// Start-up relocations that used to kill programs before main (issue 13): an IRELATIVE
// relocation in the executable (a local IFUNC, like rsync's), whose resolver must run with
// the executable's text mapped executable. Prints "startup_relocations: ok".
#include <stdio.h>
#include <string.h>

static int implementation(int x) { return x * 3; }
static int (*resolve_triple(void))(int) { return implementation; }
static int triple(int x) __attribute__((ifunc("resolve_triple")));

int main(void)
{
    int failures = 0;
    if (triple(14) != 42)
        ++failures, printf("startup_relocations: FAILED: ifunc\n");
    if (failures)
        return 1;
    printf("startup_relocations: ok\n");
    return 0;
}
