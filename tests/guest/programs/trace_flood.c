// A guest that floods the boot-trace port (include/abi/boot_trace.h, port 0xe0) with
// `trace_flood N` writes of a milestone number, as a misbehaving program could: programs
// run in ring 0 under Osprey, so `outb` is theirs to use (on Linux it faults: SIGSEGV).
// osprey-monitor --trace-boot keeps a fixed number of guest milestones and only counts the
// rest, so its memory stays flat (tests/kvm/trace_flood.sh); elsewhere nothing listens on
// the port. It then waits a second, so that whoever watches the monitor's peak memory sees
// it after the flood, and prints "trace_flood: N writes".
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char** argv)
{
    long writes = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    for (long i = 0; i < writes; ++i)
        __asm__ volatile("outb %0, %1" ::"a"((unsigned char)5), "Nd"((unsigned short)0xe0));
    sleep(1);
    printf("trace_flood: %ld writes\n", writes);
    return 0;
}
