// libc-shim entry points for kernel code (not part of the glibc ABI).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace libc_shim {

/// Initialises musl for use from kernel context, before any program runs: an empty
/// environment, an auxiliary vector with the page size and 16 random bytes, the program
/// name "osprey-kernel", and a thread pointer (musl's struct pthread with no TLS, at %fs),
/// so that errno, stdio and everything else that reads the thread pointer work; then
/// mimalloc, the allocator (libc-shim/malloc: options, process and main-thread state; the
/// kernel runs no static constructors, so its constructor's work is done here). Idempotent.
/// Precondition: mm::init has run (mimalloc maps memory through the syscall layer).
/// MUST run before the first malloc (and so before the first operator new): mimalloc keeps
/// the default heap in a pthread key, which needs the thread pointer. Boot calls it right
/// after mm::init. __libc_start_main later re-initialises musl for the program.
void init_kernel_libc();

/// Runs the libc-shim in-kernel test `name` (boot option ktest=NAME):
///   libc    musl's snprintf/printf, malloc/free, clock_gettime, getrandom, uname, the
///           export table lookups; prints "ktest libc: ok" and exits with status 0, or
///           reports the first failure and exits with status 1
///   malloc  mimalloc from kernel context, its statistics and the main thread's change of
///           thread pointer (libc-shim/malloc/malloc_ktest.h); "ktest malloc: ok", 0 or 1
///   chk     __memcpy_chk with a too-small bound: must print "*** buffer overflow detected
///           ***: terminated" and end with status 134
/// Returns false if `name` is not one of these; otherwise does not return.
/// Precondition: mm::init has run. Installs the console descriptors if fd_table_init has not.
bool run_ktest(std::string_view name);

} // namespace libc_shim

/// Takes the calling thread, a kernel service (sched::become_kernel_service), out of musl's
/// list of the program's threads, which __synccall signals and waits on (setuid, setgroups):
/// a service blocks every signal and would never answer. The thread must never exit.
extern "C" void osprey_leave_program_threads();
/// The end of such a thread that ran the program's code (clone by the syscall instruction,
/// sched::end_kernel_libc_thread): runs its pthread keys' destructors and gives the
/// mapping musl made for it, to unmap as it exits.
extern "C" void osprey_end_kernel_libc_thread(uintptr_t* base, size_t* size);
