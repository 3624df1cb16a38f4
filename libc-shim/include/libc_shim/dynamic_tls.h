// Dynamic TLS: the blocks of dlopen'ed modules that found no room in the static TLS
// surplus (libc_shim/static_tls.h), made per thread on first use (dynamic_tls.cpp).
#pragma once

namespace libc_shim {

/// Creates the pthread key whose destructor frees a thread's dynamic TLS at its exit. Call
/// once, after init_thread_destructors (thread_local destructors may still read dynamic
/// TLS, and keys' destructors run in creation order) and before the allocator makes its
/// own key (the blocks are freed into the thread's heap).
void init_dynamic_tls();

} // namespace libc_shim
