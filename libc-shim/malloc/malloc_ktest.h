// The allocator's in-kernel test (malloc_ktest.cpp), run by libc_shim::run_ktest("malloc").
#pragma once

namespace libc_shim {

/// Tests mimalloc from kernel context, prints "ktest malloc: ok" or one line per failure,
/// and ends the VM with status 0 or 1. Precondition: init_kernel_libc has run and the
/// console descriptors are open.
[[noreturn]] void run_malloc_test();

} // namespace libc_shim
