// x86 port I/O and a few privileged instructions.
#pragma once

#include <cstdint>

namespace arch {

inline void outb(uint16_t port, uint8_t value) { asm volatile("outb %0, %1" ::"a"(value), "Nd"(port)); }
inline void outl(uint16_t port, uint32_t value) { asm volatile("outl %0, %1" ::"a"(value), "Nd"(port)); }
inline uint8_t inb(uint16_t port)
{
    uint8_t value;
    asm volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}
inline uint64_t rdtsc()
{
    uint32_t lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t(hi) << 32) | lo;
}
inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (uint64_t(hi) << 32) | lo;
}
inline void wrmsr(uint32_t msr, uint64_t value)
{
    asm volatile("wrmsr" ::"c"(msr), "a"(uint32_t(value)), "d"(uint32_t(value >> 32)));
}
[[noreturn]] inline void halt_forever()
{
    for (;;)
        asm volatile("cli; hlt");
}

constexpr uint32_t kMsrFsBase = 0xc0000100;
constexpr uint32_t kMsrGsBase = 0xc0000101;

} // namespace arch
