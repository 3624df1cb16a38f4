// A FORTIFY-detected buffer overflow: strcpy into an 8-byte buffer of a longer string whose
// length the compiler cannot see. glibc prints "*** buffer overflow detected ***" and
// aborts (status 134); Osprey must do the same.
#include <stdio.h>
#include <string.h>

int main(int argc, char** argv)
{
    char small[8];
    const char* source = argc > 1 ? argv[1] : "this string is far too long for the buffer";
    strcpy(small, source);
    printf("fortify_overflow: FAILED: not detected (%s)\n", small);
    return 0;
}
