// The resolver state glibc's res_* functions share (glibc_resolver.cpp): musl's _res,
// initialised from /etc/resolv.conf on first use.
#pragma once

#include <resolv.h>

namespace libc_shim {

/// The program's _res, initialised (res_init) if it was not yet.
res_state initialised_resolver_state();

} // namespace libc_shim
