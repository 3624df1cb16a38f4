/* What lwIP asks of its platform (lwip/arch.h) in the kernel, built against musl's
 * headers: diagnostics, assertions, random numbers (net/kernel/lwip_platform.cpp). lwIP
 * includes it as "arch/cc.h": net/lwip.cmake generates that name in the build tree as an
 * include of this file. */
#ifndef OSPREY_NET_LWIP_PLATFORM_H
#define OSPREY_NET_LWIP_PLATFORM_H

#include <endian.h>
#include <stdint.h>
#include <stdlib.h>

#ifdef __cplusplus
extern "C" {
#endif
void osprey_lwip_diagnostic(const char* format, ...) __attribute__((format(printf, 1, 2)));
void osprey_lwip_assert(const char* message, const char* file, int line) __attribute__((noreturn));
uint32_t osprey_lwip_random(void);
#ifdef __cplusplus
}
#endif

#define LWIP_PLATFORM_DIAG(x)                                                                                          \
    do {                                                                                                               \
        osprey_lwip_diagnostic x;                                                                                      \
    } while (0)
#define LWIP_PLATFORM_ASSERT(x) osprey_lwip_assert((x), __FILE__, __LINE__)
#define LWIP_RAND() osprey_lwip_random()
/* Initial sequence numbers: random for every connection (RFC 6528's point: an off-path
 * attacker must not guess them). lwIP's own is a counter that starts at 6510 on every
 * boot, so every VM's first connections used the same numbers. */
#define LWIP_HOOK_TCP_ISN(local_ip, local_port, remote_ip, remote_port) osprey_lwip_random()
#define LWIP_NO_CTYPE_H 1
#define LWIP_ERRNO_INCLUDE <errno.h>

#endif
