#include <kernel/arch/x86_64/tsc.h>

#include <kernel/arch/x86_64/io.h>
#include <kernel/arch/x86_64/kvmclock.h>

#include <cpuid.h>

namespace arch {

namespace {

uint64_t from_cpuid()
{
    unsigned a, b, c, d;
    unsigned max_leaf = __get_cpuid_max(0, nullptr);
    if (max_leaf >= 0x15) {
        __cpuid(0x15, a, b, c, d); // Intel SDM vol. 2A, CPUID leaf 15H: TSC/crystal ratio
        if (a && b && c) {
            clock_parameters().source = "cpuid 0x15";
            return uint64_t(c) * b / a;
        }
    }
    if (max_leaf >= 0x16) {
        __cpuid(0x16, a, b, c, d); // base frequency in MHz
        if (a & 0xffff) {
            clock_parameters().source = "cpuid 0x16";
            return uint64_t(a & 0xffff) * 1000000;
        }
    }
    __cpuid(0x40000000, a, b, c, d); // hypervisor leaves
    if (a >= 0x40000010) {
        __cpuid(0x40000010, a, b, c, d); // TSC frequency in kHz (KVM, VMware)
        if (a) {
            clock_parameters().source = "hypervisor leaf 0x40000010";
            return uint64_t(a) * 1000;
        }
    }
    return 0;
}

uint16_t read_pit_counter0()
{
    outb(0x43, 0x00); // latch channel 0
    uint8_t lo = inb(0x40);
    return uint16_t(lo | (inb(0x40) << 8));
}

// Counts PIT channel 0 ticks (1.193182 MHz) by reading the counter back, which works on
// machines without the port-0x61 gate (QEMU microvm), for 10 ms. Bounded: a missing PIT (reads that
// never change) gives up after a fixed number of polls and returns 0.
uint64_t from_pit()
{
    // Only machines without a CPUID frequency leaf get here (QEMU with software emulation),
    // and this window is boot time users wait for. Both ends of the window are PIT edges
    // (the first read after the count changed), so the error is one poll's latency at
    // each end, not a whole tick (838 ns): 2 ms gives what 10 ms from an arbitrary start
    // gave (about 100 ppm), 8 ms sooner.
    constexpr uint64_t kPitHz = 1193182, kWindowTicks = kPitHz / 500;
    outb(0x43, 0x34); // channel 0, lobyte/hibyte, mode 2 (rate generator)
    outb(0x40, 0xff);
    outb(0x40, 0xff);
    uint16_t last = read_pit_counter0();
    for (uint32_t polls = 0; polls < 1000000; ++polls) { // wait for an edge to start on
        uint16_t now = read_pit_counter0();
        if (now != last) {
            last = now;
            break;
        }
    }
    uint64_t ticks = 0, start = rdtsc();
    for (uint32_t polls = 0; polls < 20000000 && ticks < kWindowTicks; ++polls) {
        uint16_t now = read_pit_counter0();
        ticks += uint16_t(last - now); // counts down, wraps at 0xffff
        last = now;
    }
    if (ticks < kWindowTicks)
        return 0;
    clock_parameters().source = "pit";
    return (rdtsc() - start) * kPitHz / ticks;
}

} // namespace

void tsc_init()
{
    clock_parameters().tsc_zero = rdtsc();
    if (kvmclock_init()) {
        clock_parameters().kvmclock = true;
        clock_parameters().kvmclock_zero = kvmclock_ns();
        clock_parameters().tsc_hz = kvmclock_tsc_hz();
        clock_parameters().source = "kvmclock";
        return;
    }
    clock_parameters().tsc_hz = from_cpuid();
    if (!clock_parameters().tsc_hz)
        clock_parameters().tsc_hz = from_pit();
    if (!clock_parameters().tsc_hz) {
        clock_parameters().tsc_hz = 1000000000; // no reference at all: count cycles as if at 1 GHz
        clock_parameters().source = "assumed 1 GHz (no CPUID leaf, no PIT)";
    }
    clock_parameters().ns_per_cycle_32 = uint64_t(((unsigned __int128)1000000000u << 32) / clock_parameters().tsc_hz);
}

uint64_t tsc_hz() { return clock_parameters().tsc_hz; }
const char* tsc_source() { return clock_parameters().source; }

} // namespace arch
