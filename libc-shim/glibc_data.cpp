// glibc's data symbols that musl lacks, and the synchronisation of the program's COPY
// relocations with musl's variables (glibc_data.h explains the hazard).
#include "glibc_data.h"

#include <libc_shim/startup.h>

#include <cstring>
#include <unistd.h>

extern "C" {
// glibc 2.32: nonzero while the process has one thread (libstdc++ reads it to skip atomic
// reference counting). Cleared, with every COPY of it, when the second thread starts
// (threads.cpp).
char __libc_single_threaded = 1;
// ld.so's: the top of the initial stack, where argc is. The JIT and GC of node and ruby
// scan the main thread's stack up to it. Set by the linker before relocation (a program's
// COPY of it lies in its RELRO, like glibc's own, which ld.so sets before relocating).
void* __libc_stack_end;
extern char** __environ;
// musl's time-zone variables (tzname, timezone and daylight are their weak aliases).
extern char* __tzname[2];
extern long __timezone;
extern int __daylight;
}

namespace libc_shim {

namespace {

template<typename T> T* copy_of(T& variable) { return static_cast<T*>(program_copy_of(&variable)); }

/// Writes `variable` into every COPY the program has of it. A program may hold several, one
/// for each of glibc's names of the variable (environ, __environ, _environ; tzname and
/// __tzname), all bound to the one musl object.
template<typename T> void copy_out(const T& variable)
{
    const ProgramStartup& startup = program_startup();
    for (size_t i = 0; i < startup.copy_count; ++i) {
        if (startup.copies[i].original == &variable)
            memcpy(startup.copies[i].copy, &variable, sizeof variable);
    }
}

} // namespace

void set_libc_stack_end(void* top) { __libc_stack_end = top; }

void* program_copy_of(const void* original)
{
    const ProgramStartup& startup = program_startup();
    for (size_t i = 0; i < startup.copy_count; ++i) {
        if (startup.copies[i].original == original)
            return startup.copies[i].copy;
    }
    return const_cast<void*>(original);
}

void refresh_program_copies()
{
    const ProgramStartup& startup = program_startup();
    for (size_t i = 0; i < startup.copy_count; ++i) {
        const CopiedData& c = startup.copies[i];
        if (memcmp(c.copy, c.original, c.size) != 0)
            memcpy(c.copy, c.original, c.size);
    }
}

void getopt_variables_in()
{
    optind = *copy_of(optind);
    opterr = *copy_of(opterr);
}

void getopt_variables_out()
{
    *copy_of(optind) = optind;
    *copy_of(opterr) = opterr;
    *copy_of(optopt) = optopt;
    *copy_of(optarg) = optarg;
}

void environ_in()
{
    const ProgramStartup& startup = program_startup();
    for (size_t i = 0; i < startup.copy_count; ++i) {
        auto* copy = static_cast<char***>(startup.copies[i].copy);
        if (startup.copies[i].original == &__environ && *copy != __environ) {
            __environ = *copy; // the program assigned environ: that is the environment now
            break;
        }
    }
}

void environ_out() { copy_out(__environ); }

void time_zone_variables_out()
{
    copy_out(__tzname);
    copy_out(__timezone);
    copy_out(__daylight);
}

void set_initial_time_zone_names()
{
    static char gmt[] = "GMT";
    __tzname[0] = __tzname[1] = gmt;
}

} // namespace libc_shim
