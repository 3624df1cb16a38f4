// Imports a glibc function Osprey does not provide yet (getcontext, from the ucontext
// family). Binding must still succeed; calling it must stop the program with
// "missing symbol getcontext@GLIBC_2.2.5 needed by /app/missing_symbol" and status 127.
// If Osprey gains getcontext, switch to another unprovided import.
#include <stdio.h>
#include <ucontext.h>

int main(void)
{
    printf("missing_symbol: before the call\n");
    fflush(stdout);
    ucontext_t context;
    getcontext(&context);
    printf("missing_symbol: FAILED: returned from a missing function\n");
    return 0;
}
