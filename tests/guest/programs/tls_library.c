// A shared library with thread-local storage in every model a library uses, for
// tls_libraries.c: global-dynamic (exported __thread, DTPMOD64 + DTPOFF64 through
// __tls_get_addr), local-dynamic (static __thread), initial-exec (TPOFF64), and, when built
// with -mtls-dialect=gnu2 (the second copy, libtlsdesc.so), TLS descriptors (TLSDESC).
// LIBRARY_TAG tells the two copies apart.
#include <stdint.h>
#include <string.h>

#ifndef LIBRARY_TAG
#define LIBRARY_TAG "gd"
#endif
#define CONCAT2(a, b) a##b
#define CONCAT(a, b) CONCAT2(a, b)
#define NAME(x) CONCAT(LIBRARY_PREFIX, x)

__thread int NAME(exported) = 1000;        // global-dynamic
__thread char NAME(tag)[16] = LIBRARY_TAG; // global-dynamic, .tdata
static __thread long local_counter = 7;    // local-dynamic
static __thread long local_zero[32];       // local-dynamic, .tbss
__attribute__((tls_model("initial-exec"))) __thread int NAME(ie) = 55;
static __thread double aligned __attribute__((aligned(64))) = 1.5;

long NAME(bump_local)(void) { return ++local_counter; }
int NAME(bump_exported)(void) { return ++NAME(exported); }
int NAME(read_ie)(void) { return NAME(ie); }
const char* NAME(read_tag)(void) { return NAME(tag); }
int NAME(zero_ok)(void)
{
    for (int i = 0; i < 32; ++i)
        if (local_zero[i])
            return 0;
    local_zero[3] = 9;
    return local_zero[3] == 9;
}
int NAME(aligned_ok)(void) { return aligned == 1.5 && (uintptr_t)&aligned % 64 == 0; }
void* NAME(address_of_exported)(void) { return &NAME(exported); }
