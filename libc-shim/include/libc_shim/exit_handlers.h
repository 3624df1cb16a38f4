// The handlers an object registers, with the object each came from, as glibc keeps them,
// so that __cxa_finalize can run or drop an unloaded object's. Exit handlers:
// __cxa_atexit (what atexit and C++ static destructors register) and __libc_start_main's
// finalizers in one list, run newest first at exit; the handlers of one object run early
// by __cxa_finalize when dlclose unloads it. musl's own list keeps no object and its
// __cxa_finalize does nothing, so a plugin's C++ destructors would run at exit from
// unmapped code.
#pragma once

namespace libc_shim {

/// Registers `function(argument)` to run at exit, for the object whose __dso_handle is
/// `dso` (null: none). Returns 0, or -1 when memory is short.
int add_exit_handler(void (*function)(void*), void* argument, void* dso);

/// glibc's __cxa_finalize: runs, newest first and each once, the handlers registered for
/// `dso` (null: every handler). Handlers registered while they run are run too.
void run_exit_handlers(void* dso);

/// Makes musl's exit run this list: called once, by __libc_start_main, before anything
/// registers a handler.
void install_exit_handlers();

/// glibc's __register_atfork: fork handlers of the object whose __dso_handle is `dso`, run
/// by musl's fork (prepare newest first, the others in order; Osprey's fork fails with
/// ENOSYS, after prepare and parent ran, as musl runs them). __cxa_finalize(dso) drops
/// them. Returns 0, or ENOMEM.
int add_fork_handlers(void (*prepare)(), void (*parent)(), void (*child)(), void* dso);

} // namespace libc_shim
