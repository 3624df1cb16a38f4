// Per-thread destructor lists for C++ thread_local objects (__cxa_thread_atexit_impl).
#pragma once

namespace libc_shim {

/// Creates the pthread key whose destructor runs a thread's list at its exit. Call once,
/// before anything else creates a key (init_kernel_libc), so its destructor runs first.
void init_thread_destructors();

/// Adds destructor(object) to the calling thread's list (run newest first at its exit),
/// for the loaded object that contains `dso_symbol` (its __dso_handle), which stays loaded
/// until it has run (LoadedObjectInfo::thread_destructors). Returns 0, or -1 without memory.
int add_thread_destructor(void (*destructor)(void*), void* object, void* dso_symbol);

} // namespace libc_shim
