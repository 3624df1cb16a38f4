// Imports glibc data Osprey does not provide: _IO_2_1_stdin_, glibc's own FILE object
// behind stdin, whose layout (libio's) musl's FILE does not share, so the kernel cannot
// export it. `osprey inspect --abi` must say the program will not load (exit 4), and a
// run must refuse it before main. If Osprey gains it, switch to other missing data.
#include <stdio.h>

extern FILE _IO_2_1_stdin_;

int main(void)
{
    printf("abi_missing_data: %p\n", (void*)&_IO_2_1_stdin_);
    return 0;
}
