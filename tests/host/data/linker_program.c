// Test input for the linker host tests: a hardened PIE that imports glibc functions at
// several versions, uses a COPY-relocated glibc object (stdout) and has __thread data.
#include <stdio.h>
#include <string.h>

__thread int tls_counter = 7;
__thread char tls_buffer[100];

int main(int argc, char** argv)
{
    char buffer[16];
    strcpy(buffer, argc > 1 ? argv[1] : "x");
    fprintf(stdout, "%s %d\n", buffer, ++tls_counter);
    return (int)strlen(tls_buffer);
}
