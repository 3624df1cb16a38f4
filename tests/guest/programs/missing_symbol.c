// Imports a glibc function Osprey does not provide (getpwent_r: reentrant passwd
// enumeration; libc-shim/exports/not-provided.txt). Binding must still succeed; calling it
// must stop the program with "missing symbol getpwent_r@GLIBC_2.2.5 needed by
// /app/missing_symbol" and status 127. If Osprey gains it, switch to another import listed
// in not-provided.txt.
#define _GNU_SOURCE
#include <pwd.h>
#include <stdio.h>

int main(void)
{
    printf("missing_symbol: before the call\n");
    fflush(stdout);
    struct passwd entry, *result;
    char buffer[256];
    getpwent_r(&entry, buffer, sizeof(buffer), &result);
    printf("missing_symbol: FAILED: returned from a missing function\n");
    return 0;
}
