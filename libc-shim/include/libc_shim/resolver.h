// The resolver state glibc's res_* functions without a state argument use (_res, which
// glibc keeps per thread): glibc_resolver.cpp. Also the resolver's private random numbers
// (query ids, RES_ROTATE), which must not draw from the program's random() stream.
#pragma once

#include <cstdint>
#include <resolv.h>

namespace libc_shim {

/// The calling thread's _res (its own, as in glibc), initialised (res_init) if it was not
/// yet.
res_state initialised_resolver_state();

/// 16 random bits from the kernel's generator, not the program's random().
uint16_t resolver_random();

} // namespace libc_shim
