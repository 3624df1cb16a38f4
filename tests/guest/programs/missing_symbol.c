// Imports a glibc function Osprey does not provide (getaliasent_r: the mail aliases
// database, which no measured program imports). Binding must still succeed; calling it
// must stop the program with "missing symbol getaliasent_r@GLIBC_2.2.5 needed by
// /app/missing_symbol" and status 127. If Osprey gains it, switch to another glibc
// function it lacks.
#define _GNU_SOURCE
#include <aliases.h>
#include <stdio.h>

int main(void)
{
    printf("missing_symbol: before the call\n");
    fflush(stdout);
    struct aliasent entry, *result;
    char buffer[256];
    getaliasent_r(&entry, buffer, sizeof(buffer), &result);
    printf("missing_symbol: FAILED: returned from a missing function\n");
    return 0;
}
