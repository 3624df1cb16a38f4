// Dynamic TLS: the blocks of dlopen'ed modules that found no room in the static TLS
// surplus (libc_shim/static_tls.h), made per thread on first use (dynamic_tls.cpp).
#pragma once

namespace libc_shim {

/// Creates the pthread key that holds each thread's dynamic TLS table (freed at its exit
/// after every key's destructor: dynamic_tls.cpp). Call once, at boot.
void init_dynamic_tls();

} // namespace libc_shim
