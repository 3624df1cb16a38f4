// A program that never ends, for --timeout (issue 17): `runaway busy` spins, `runaway hlt`
// halts (with interrupts off, as a single-threaded program runs until a second thread
// starts preemption), `runaway cli-hlt` turns interrupts off and halts, which only a
// hypervisor can end: programs run in ring 0 under Osprey, so cli and hlt are theirs to
// use (on Linux they fault: #GP, SIGSEGV).
// Prints "runaway: MODE" first.
#include <stdio.h>
#include <string.h>

int main(int argc, char** argv)
{
    const char* mode = argc > 1 ? argv[1] : "busy";
    printf("runaway: %s\n", mode);
    fflush(stdout);
    if (strcmp(mode, "cli-hlt") == 0)
        for (;;)
            __asm__ volatile("cli; hlt");
    if (strcmp(mode, "hlt") == 0)
        for (;;)
            __asm__ volatile("hlt");
    for (volatile unsigned long spins = 0;; ++spins) { }
}
