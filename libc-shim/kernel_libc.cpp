// musl initialised for kernel context (libc_shim/kernel.h).
#include <libc_shim/kernel.h>
#include <libc_shim/dynamic_tls.h>
#include <libc_shim/thread_destructors.h>

#include "malloc/mimalloc_bridge.h"

#include <kernel/syscall/syscall.h>

#include <cstddef>
#include <cstdint>

extern "C" void __init_libc(char** envp, char* program_name);

namespace libc_shim {

namespace {

// Auxiliary vector entry types (Linux include/uapi/linux/auxvec.h).
constexpr size_t kAtNull = 0, kAtPagesz = 6, kAtRandom = 25;

bool g_initialised;
unsigned char g_random[16];
char g_name[] = "osprey-kernel";
// What __init_libc finds at envp: the environment (empty: just its NULL), then the
// auxiliary vector.
size_t g_envp_and_auxv[] = { 0, kAtPagesz, 4096, kAtRandom, 0, kAtNull, 0 };

} // namespace

void init_kernel_libc()
{
    if (g_initialised)
        return;
    g_initialised = true;
    (void)sys::getrandom(g_random, sizeof(g_random), 0);
    g_envp_and_auxv[4] = reinterpret_cast<size_t>(g_random);
    __init_libc(reinterpret_cast<char**>(g_envp_and_auxv), g_name);
    init_thread_destructors(); // the first pthread key (thread_destructors.cpp says why)
    init_dynamic_tls();
    osprey_mimalloc_init(); // no static constructors in the kernel: mimalloc's runs here
}

} // namespace libc_shim
