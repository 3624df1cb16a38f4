// Start-up relocations that used to kill programs before main (issue 13): an IRELATIVE
// relocation in the executable (a local IFUNC, like rsync's), whose resolver must run with
// the executable's text mapped executable; and a COPY relocation of const libc data
// (in6addr_any) that lands in the executable's RELRO, which start-up must not write again
// once RELRO is read-only (lighttpd, dropbear). Prints "startup_relocations: ok".
#include <netinet/in.h>
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
    static const unsigned char zero[16];
    if (memcmp(&in6addr_any, zero, 16) != 0 || in6addr_loopback.s6_addr[15] != 1)
        ++failures, printf("startup_relocations: FAILED: in6addr_any/in6addr_loopback\n");
    if (failures)
        return 1;
    printf("startup_relocations: ok\n");
    return 0;
}
