// What lwIP asks of its platform (net/kernel/lwip_platform.h): the clock (sys_now), random
// numbers (initial sequence numbers, ports), diagnostics and assertions.
#include <kernel/arch/x86_64/tsc.h>
#include <kernel/core/vm_exit.h>
#include <kernel/console/log.h>
#include <kernel/entropy/random_source.h>

#include <lwip/arch.h>

#include <cstdarg>
#include <cstdio>

extern "C" {

u32_t sys_now() { return u32_t(arch::monotonic_ns() / 1'000'000); }

uint32_t osprey_lwip_random()
{
    uint32_t value = 0;
    entropy::random_bytes(&value, sizeof(value));
    return value;
}

void osprey_lwip_diagnostic(const char* format, ...)
{
    char line[256];
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(line, sizeof(line), format, arguments);
    va_end(arguments);
    klog::debug(klog::Subsystem::Net, "lwip: {}", line);
}

void osprey_lwip_assert(const char* message, const char* file, int line)
{
    core::panic("lwIP assertion failed: {} ({}:{})", message, file, line);
}

} // extern "C"
