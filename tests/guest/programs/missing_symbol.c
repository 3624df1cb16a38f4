// Imports a glibc function Osprey does not provide (register_printf_specifier: glibc's
// printf extension hooks, which musl's printf has no place for; libc-shim/exports/
// not-provided.txt). Binding must still succeed; calling it must stop the program with
// "missing symbol register_printf_specifier@GLIBC_2.10 needed by /app/missing_symbol" and
// status 127. If Osprey gains it, switch to another import listed in not-provided.txt.
#include <printf.h>
#include <stdio.h>

int main(void)
{
    printf("missing_symbol: before the call\n");
    fflush(stdout);
    register_printf_specifier('Y', NULL, NULL);
    printf("missing_symbol: FAILED: returned from a missing function\n");
    return 0;
}
