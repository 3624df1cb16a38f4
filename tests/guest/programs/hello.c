// Prints a line on stdout and exits 0.
#include <stdio.h>

int main(void)
{
    printf("Hello from an unmodified glibc program!\n");
    return 0;
}
