#include <kernel/arch/x86_64/lapic.h>

#include <kernel/arch/x86_64/io.h>
#include <kernel/arch/x86_64/tsc.h>

#include <cpuid.h>

namespace arch {

namespace {

// Register offsets, SDM vol. 3A §11.4.1, table 11-1.
constexpr uint32_t kEoi = 0xb0, kSpurious = 0xf0, kTaskPriority = 0x80, kLvtTimer = 0x320;
constexpr uint32_t kTimerInitialCount = 0x380, kTimerCurrentCount = 0x390, kTimerDivide = 0x3e0;
constexpr uint32_t kMsrApicBase = 0x1b, kMsrTscDeadline = 0x6e0;
constexpr uint32_t kApicSoftwareEnable = 1 << 8, kLvtMasked = 1 << 16;
constexpr uint32_t kTimerModeTscDeadline = 2 << 17; // LVT timer bits 18:17, §11.5.1
constexpr uint32_t kDivideBy1 = 0xb;                // §11.5.4, figure 11-10
constexpr uint64_t kCalibrationNs = 2'000'000;

// One CPU today; with SMP each CPU has its own APIC at the same address (the registers
// are per CPU), so this stays one mapping.
struct Lapic {
    volatile uint32_t* registers = nullptr;
    bool tsc_deadline = false;
    uint64_t timer_hz = 0; // one-shot mode: counts per second at divide-by-1
};
constinit Lapic g_lapic;

uint32_t read(uint32_t offset) { return g_lapic.registers[offset / 4]; }
void write(uint32_t offset, uint32_t value) { g_lapic.registers[offset / 4] = value; }

bool cpu_has_tsc_deadline()
{
    unsigned a, b, c, d;
    return __get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 24));
}

// Counts the one-shot timer for kCalibrationNs of TSC time: its rate in Hz.
uint64_t measure_timer_hz()
{
    write(kTimerDivide, kDivideBy1);
    write(kLvtTimer, kLvtMasked | kLapicTimerVector);
    uint64_t start = monotonic_ns();
    write(kTimerInitialCount, 0xffffffff);
    while (monotonic_ns() - start < kCalibrationNs)
        asm volatile("pause");
    uint32_t counted = 0xffffffff - read(kTimerCurrentCount);
    uint64_t elapsed = monotonic_ns() - start;
    write(kTimerInitialCount, 0);
    return elapsed ? uint64_t(counted) * 1'000'000'000 / elapsed : 0;
}

} // namespace

uint64_t lapic_physical_base()
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(d & (1u << 9)))
        return 0;
    return rdmsr(kMsrApicBase) & ~uint64_t(0xfff);
}

const char* lapic_init(volatile void* registers)
{
    g_lapic.registers = static_cast<volatile uint32_t*>(registers);
    wrmsr(kMsrApicBase, rdmsr(kMsrApicBase) | (1 << 11)); // global enable, xAPIC mode
    write(kSpurious, kApicSoftwareEnable | kLapicSpuriousVector);
    write(kTaskPriority, 0);
    g_lapic.tsc_deadline = cpu_has_tsc_deadline();
    if (g_lapic.tsc_deadline) {
        write(kLvtTimer, kTimerModeTscDeadline | kLapicTimerVector);
        return "tsc-deadline";
    }
    g_lapic.timer_hz = measure_timer_hz();
    write(kLvtTimer, kLapicTimerVector); // one-shot, unmasked
    return "one-shot";
}

bool lapic_ready() { return g_lapic.registers != nullptr; }

void lapic_arm_timer(uint64_t deadline_ns)
{
    uint64_t now = monotonic_ns();
    uint64_t delta = deadline_ns > now ? deadline_ns - now : 0;
    if (g_lapic.tsc_deadline) {
        // The TSC runs at tsc_hz(); 128-bit product so long sleeps do not overflow.
        auto ticks = uint64_t((unsigned __int128)delta * tsc_hz() / 1'000'000'000);
        wrmsr(kMsrTscDeadline, rdtsc() + (ticks ? ticks : 1));
        return;
    }
    auto count = uint64_t((unsigned __int128)delta * g_lapic.timer_hz / 1'000'000'000);
    write(kTimerInitialCount, uint32_t(count == 0 ? 1 : count > 0xffffffff ? 0xffffffff : count));
}

void lapic_end_of_interrupt() { write(kEoi, 0); }

} // namespace arch
