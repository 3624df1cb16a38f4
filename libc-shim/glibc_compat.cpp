// glibc entry points that musl lacks or implements with another ABI or behaviour. Each is
// exported under its glibc name through exports/overrides.txt (osprey_* names) or under its
// own glibc name when musl has nothing of that name.
#include "glibc_data.h"

#include <libc_shim/exit_handlers.h>
#include <libc_shim/thread_destructors.h>
#include <sched/scheduler.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <getopt.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

extern "C" {

// musl internals (hidden in the same static link).
int __uflow(FILE*);
int __overflow(FILE*, int);
extern char* __progname;
extern char* __progname_full;

// getopt: glibc's getopt permutes argv (GNU behaviour) unless the option string starts with
// '+'; musl's getopt is POSIX, musl's getopt_long permutes like glibc. So glibc's getopt
// is musl's getopt_long without long options. All three synchronise the program's COPY of
// optind/optarg/optopt/opterr (glibc_data.h).
int osprey_getopt(int argc, char* const argv[], const char* options)
{
    libc_shim::getopt_variables_in();
    int result = getopt_long(argc, argv, options, nullptr, nullptr);
    libc_shim::getopt_variables_out();
    return result;
}

int osprey_getopt_long(int argc, char* const argv[], const char* options, const struct option* longopts, int* index)
{
    libc_shim::getopt_variables_in();
    int result = getopt_long(argc, argv, options, longopts, index);
    libc_shim::getopt_variables_out();
    return result;
}

int osprey_getopt_long_only(
    int argc, char* const argv[], const char* options, const struct option* longopts, int* index)
{
    libc_shim::getopt_variables_in();
    int result = getopt_long_only(argc, argv, options, longopts, index);
    libc_shim::getopt_variables_out();
    return result;
}

// The environment, kept consistent with the program's copies of environ (glibc_data.h).
char* osprey_getenv(const char* name)
{
    libc_shim::environ_in();
    return getenv(name);
}

#define OSPREY_ENVIRON_CALL(call)                                                                                      \
    libc_shim::environ_in();                                                                                           \
    int result = call;                                                                                                 \
    libc_shim::environ_out();                                                                                          \
    return result

int osprey_setenv(const char* name, const char* value, int overwrite)
{
    OSPREY_ENVIRON_CALL(setenv(name, value, overwrite));
}
int osprey_unsetenv(const char* name) { OSPREY_ENVIRON_CALL(unsetenv(name)); }
int osprey_putenv(char* assignment) { OSPREY_ENVIRON_CALL(putenv(assignment)); }
int osprey_clearenv() { OSPREY_ENVIRON_CALL(clearenv()); }

// glibc's assertion message: "PROGRAM: FILE:LINE: FUNCTION: Assertion `EXPR' failed."
[[noreturn]] void osprey_assert_fail(const char* expression, const char* file, unsigned line, const char* function)
{
    fprintf(stderr, "%s%s%s:%u: %s%sAssertion `%s' failed.\n", __progname, __progname[0] ? ": " : "", file, line,
        function ? function : "", function ? ": " : "", expression);
    abort();
}

// C++ thread_local destructors (libstdc++'s __cxa_thread_atexit calls this). Another
// thread's run when it exits, newest first, through a pthread key created before any
// other (thread_destructors.cpp), so they run before every other key's destructor, as
// glibc runs them before its TSD destructors. The main thread's exit is the program's
// exit: its destructors are atexit handlers. KNOWN DIFFERENCE: glibc runs the main
// thread's before all atexit handlers; here they interleave in reverse registration order.
int __cxa_thread_atexit_impl(void (*destructor)(void*), void* object, void* dso_symbol)
{
    if (sched::current().tid == 1)
        return libc_shim::add_exit_handler(destructor, object, dso_symbol);
    return libc_shim::add_thread_destructor(destructor, object, dso_symbol);
}

// What glibc's pthread_atfork expands to: the handlers of the object whose __dso_handle
// is `dso`, which __cxa_finalize drops when dlclose unloads it (exit_handlers.h).
int __register_atfork(void (*prepare)(), void (*parent)(), void (*child)(), void* dso)
{
    return libc_shim::add_fork_handlers(prepare, parent, child, dso);
}

const char* gnu_get_libc_version() { return "2.36"; }
const char* gnu_get_libc_release() { return "stable"; }

// glibc's getc/putc fast paths are inlined into programs: they read FILE's buffer pointers
// at glibc's offsets (8/16 read, 40/48 write; musl's rpos/rend/wpos sit at the same
// offsets and the word at 48 is always 0, so every putc takes the slow path) and call
// these on an empty or full buffer.
int osprey_uflow(FILE* stream) { return __uflow(stream); }
int osprey_overflow(FILE* stream, int c) { return __overflow(stream, c); }

// GNU basename (<string.h> with _GNU_SOURCE): never modifies its argument; "" for a path
// ending in '/'. musl's basename is the POSIX one (exported as __xpg_basename).
const char* osprey_gnu_basename(const char* path)
{
    const char* slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

// error(3) and error_at_line(3), glibc's formats:
//   "PROGRAM: MESSAGE[: strerror(errnum)]\n"             (error)
//   "PROGRAM:FILE:LINE: MESSAGE[: strerror(errnum)]\n"   (error_at_line; "PROGRAM: " without a file)
// on stderr after flushing stdout, PROGRAM being program_invocation_name (argv[0] as
// given, unless the program changed it) or whatever error_print_progname prints, which
// error_at_line follows with " " when it has no file; exit(status) when status is
// nonzero. With error_one_per_line set, error_at_line says nothing for the same FILE:LINE
// twice in a row. The program may have COPYs of these variables (glibc_data.h): its copy
// is the one it sets, so that is the one read.
unsigned int error_message_count;
void (*error_print_progname)(void);
int error_one_per_line;

static void report_error(
    int status, int errnum, bool at_line, const char* file, unsigned line, const char* format, va_list ap)
{
    fflush(stdout);
    auto print_progname = *static_cast<void (**)(void)>(libc_shim::program_copy_of(&error_print_progname));
    if (print_progname)
        print_progname();
    else
        fprintf(stderr, at_line ? "%s:" : "%s: ", *static_cast<char**>(libc_shim::program_copy_of(&__progname_full)));
    if (at_line && file)
        fprintf(stderr, "%s:%u: ", file, line);
    else if (at_line)
        fputc(' ', stderr);
    vfprintf(stderr, format, ap);
    if (errnum)
        fprintf(stderr, ": %s", strerror(errnum));
    fputc('\n', stderr);
    ++*static_cast<unsigned*>(libc_shim::program_copy_of(&error_message_count));
    if (status)
        exit(status);
}

void error(int status, int errnum, const char* format, ...)
{
    va_list ap;
    va_start(ap, format);
    report_error(status, errnum, false, nullptr, 0, format, ap);
    va_end(ap);
}

namespace {

/// The last FILE:LINE error_at_line reported, for error_one_per_line (glibc keeps the
/// same two statics; like glibc's, not synchronised between threads).
struct LastErrorLine {
    const char* file = nullptr;
    unsigned line = 0;
};

LastErrorLine& last_error_line()
{
    static LastErrorLine last;
    return last;
}

} // namespace

void error_at_line(int status, int errnum, const char* file, unsigned line, const char* format, ...)
{
    if (*static_cast<int*>(libc_shim::program_copy_of(&error_one_per_line))) {
        LastErrorLine& last = last_error_line();
        if (last.line == line && (last.file == file || (last.file && file && strcmp(last.file, file) == 0)))
            return;
        last = { file, line };
    }
    va_list ap;
    va_start(ap, format);
    report_error(status, errnum, true, file, line, format, ap);
    va_end(ap);
}

// musl's mprotect rounds the address down to a page; glibc's passes it to the kernel, which
// refuses an unaligned one with EINVAL.
int osprey_mprotect(void* address, size_t length, int prot)
{
    return int(syscall(SYS_mprotect, address, length, prot));
}

// The program break. musl refuses brk(addr) and any non-zero sbrk increment (it keeps the
// break for its own use); glibc grows and shrinks it. Ours is the kernel's brk (mm::brk):
// a [heap] area after 0x5600_0000_0000, grown on request.
int osprey_brk(void* address)
{
    auto wanted = reinterpret_cast<long>(address);
    if (syscall(SYS_brk, wanted) != wanted) {
        errno = ENOMEM;
        return -1;
    }
    return 0;
}

void* osprey_sbrk(intptr_t increment)
{
    long current = syscall(SYS_brk, 0);
    if (increment == 0)
        return reinterpret_cast<void*>(current);
    long wanted = current + increment;
    if ((increment > 0 && wanted < current) || (increment < 0 && wanted > current)
        || syscall(SYS_brk, wanted) != wanted) {
        errno = ENOMEM;
        return reinterpret_cast<void*>(-1);
    }
    return reinterpret_cast<void*>(current);
}

} // extern "C"
