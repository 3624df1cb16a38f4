// __libc_start_main with glibc's ABI (GLIBC_2.34 and GLIBC_2.2.5): the program's _start
// calls it. Initialises musl for the program (environment, auxiliary vector, TLS and thread
// control block, stack protector), runs constructors in glibc's order and calls main.
#include <libc_shim/startup.h>

#include <kernel/arch/x86_64/io.h>
#include <kernel/boot/vm_exit.h>

#include <cstdlib>
#include <cstring>

extern "C" {
// musl internals (src/env/__libc_start_main.c, src/internal/libc.h): hidden symbols of the
// same static link. __init_libc sets __environ, the auxv-derived state, __progname, then
// static TLS from the program's PT_TLS (found through AT_PHDR) and the stack guard.
void __init_libc(char** envp, char* program_name);
extern uintptr_t __stack_chk_guard;
}

namespace libc_shim {

namespace {

ProgramStartup g_startup;
int g_argc;
char** g_argv;

void run_init(const ObjectInit& object, bool with_preinit)
{
    char** envp = g_argv + g_argc + 1;
    if (with_preinit)
        for (size_t i = 0; i < object.preinit_count; ++i)
            object.preinit_array[i](g_argc, g_argv, envp);
    if (object.init)
        reinterpret_cast<InitFunction>(object.init)(g_argc, g_argv, envp);
    for (size_t i = 0; i < object.init_count; ++i)
        object.init_array[i](g_argc, g_argv, envp);
}

void run_fini(const ObjectInit& object)
{
    for (size_t i = object.fini_count; i-- > 0;)
        object.fini_array[i]();
    if (object.fini)
        object.fini();
}

void run_all_fini()
{
    run_fini(g_startup.executable);
    for (size_t i = g_startup.library_count; i-- > 0;)
        run_fini(g_startup.libraries[i]);
}

/// glibc's stack guard has a zero low byte (a string overflow cannot reproduce it); musl
/// zeroes the second byte instead. Follow glibc: clear the low byte of musl's random guard.
void make_glibc_stack_guard()
{
    uintptr_t guard = __stack_chk_guard & ~uintptr_t(0xff);
    __stack_chk_guard = guard;
    asm volatile("movq %0, %%fs:0x28" ::"r"(guard));
}

} // namespace

ProgramStartup& program_startup() { return g_startup; }

extern "C" int osprey_libc_start_main(int (*main)(int, char**, char**), int argc, char** argv,
    InitFunction init, FiniFunction fini, FiniFunction rtld_fini, void* stack_end)
{
    g_argc = argc;
    g_argv = argv;
    char** envp = argv + argc + 1;
    __init_libc(envp, argv[0]);
    make_glibc_stack_guard();
    for (size_t i = 0; i < g_startup.copy_count; ++i)
        memcpy(g_startup.copies[i].copy, g_startup.copies[i].original, g_startup.copies[i].size);
    for (size_t i = 0; i < g_startup.library_count; ++i)
        run_init(g_startup.libraries[i], false);
    atexit(run_all_fini);
    if (fini)
        atexit(fini);
    if (init) // pre-2.34 binaries pass their __libc_csu_init, which runs their constructors
        init(argc, argv, envp);
    else
        run_init(g_startup.executable, true);
    exit(main(argc, argv, envp));
}

} // namespace libc_shim
