// A fault in the program's own code that the kernel runs while it holds its big kernel
// lock: a plugin's IFUNC resolver, run by dlopen as it relocates the plugin (issue 17).
// NOT LINUX: there the resolver runs in user mode and the SIGSEGV handler below runs
// (and jumps out of dlopen). Osprey cannot let a handler run with the lock held, since one
// that never returns would keep it for good: the program ends with 139 and the report.
// Natively it prints "dl_ifunc_fault: the handler ran".
#define _GNU_SOURCE
#include <dlfcn.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>

static sigjmp_buf g_recover;

static void recover(int signal) { siglongjmp(g_recover, 1); }

int main(void)
{
    struct sigaction action = { .sa_handler = recover };
    sigaction(SIGSEGV, &action, NULL);
    if (sigsetjmp(g_recover, 1) != 0) {
        puts("dl_ifunc_fault: the handler ran");
        return 0;
    }
    void* plugin = dlopen("libifunc_fault.so", RTLD_NOW);
    printf("dl_ifunc_fault: dlopen returned %p\n", plugin);
    return 1;
}
