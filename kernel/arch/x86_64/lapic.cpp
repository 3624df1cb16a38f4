#include <kernel/arch/x86_64/lapic.h>

#include <kernel/arch/x86_64/io.h>
#include <kernel/arch/x86_64/spin_lock.h>
#include <kernel/arch/x86_64/tsc.h>

#include <cpuid.h>

namespace arch {

namespace {

// Register offsets, SDM vol. 3A §11.4.1, table 11-1.
constexpr uint32_t kId = 0x20, kIcrLow = 0x300, kIcrHigh = 0x310;
constexpr uint32_t kIcrPending = 1 << 12, kIcrAssert = 1 << 14, kIcrAllButSelf = 3 << 18;
constexpr uint32_t kIcrInit = 5 << 8, kIcrStartup = 6 << 8; // delivery modes, §11.6.1
constexpr uint32_t kEoi = 0xb0, kSpurious = 0xf0, kTaskPriority = 0x80, kLvtTimer = 0x320;
constexpr uint32_t kTimerInitialCount = 0x380, kTimerCurrentCount = 0x390, kTimerDivide = 0x3e0;
constexpr uint32_t kMsrApicBase = 0x1b, kMsrTscDeadline = 0x6e0;
constexpr uint32_t kApicSoftwareEnable = 1 << 8, kLvtMasked = 1 << 16;
constexpr uint32_t kTimerModeTscDeadline = 2 << 17; // LVT timer bits 18:17, §11.5.1
constexpr uint32_t kDivideBy1 = 0xb;                // §11.5.4, figure 11-10
constexpr uint64_t kCalibrationNs = 2'000'000;

// Each CPU has its own APIC at the same physical address (the registers are per CPU), so
// one mapping serves all; the timer mode and rate are the same on all (one CPU model).
// Written once by lapic_init on the boot CPU, read-only afterwards.
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

namespace {

// This CPU's APIC on: global enable in xAPIC mode, software enable, every priority taken.
void enable_this_apic()
{
    wrmsr(kMsrApicBase, rdmsr(kMsrApicBase) | (1 << 11));
    write(kSpurious, kApicSoftwareEnable | kLapicSpuriousVector);
    write(kTaskPriority, 0);
}

// This CPU's timer in the mode lapic_init chose, unmasked (the one-shot rate was measured
// at divide-by-1).
void set_timer_mode()
{
    if (g_lapic.tsc_deadline) {
        write(kLvtTimer, kTimerModeTscDeadline | kLapicTimerVector);
        return;
    }
    write(kTimerDivide, kDivideBy1);
    write(kLvtTimer, kLapicTimerVector);
}

} // namespace

const char* lapic_init(volatile void* registers)
{
    g_lapic.registers = static_cast<volatile uint32_t*>(registers);
    enable_this_apic();
    g_lapic.tsc_deadline = cpu_has_tsc_deadline();
    if (!g_lapic.tsc_deadline)
        g_lapic.timer_hz = measure_timer_hz();
    set_timer_mode();
    return g_lapic.tsc_deadline ? "tsc-deadline" : "one-shot";
}

void lapic_init_secondary()
{
    enable_this_apic();
    set_timer_mode();
}

uint8_t lapic_id() { return uint8_t(read(kId) >> 24); }

namespace {

// Writes the interrupt command register (high half first: the write of the low half
// sends) with interrupts off, so that a handler sending its own IPI cannot come between
// the two writes, and waits until the APIC accepted it.
void send_command(uint8_t apic_id, uint32_t command)
{
    bool interrupts_were_on = interrupts_enabled();
    disable_interrupts();
    write(kIcrHigh, uint32_t(apic_id) << 24);
    write(kIcrLow, command);
    while (read(kIcrLow) & kIcrPending)
        asm volatile("pause");
    if (interrupts_were_on)
        enable_interrupts();
}

// Busy-waits `ns` nanoseconds of monotonic time.
void delay_ns(uint64_t ns)
{
    uint64_t start = monotonic_ns();
    while (monotonic_ns() - start < ns)
        asm volatile("pause");
}

} // namespace

void lapic_send_ipi(uint8_t apic_id, uint8_t vector) { send_command(apic_id, vector); }

void lapic_send_ipi_to_others(uint8_t vector) { send_command(0, kIcrAllButSelf | vector); }

void lapic_start_processor(uint8_t apic_id, uint64_t page)
{
    // The MP spec's delays (10 ms after INIT, 200 us after each STARTUP) are for real
    // hardware; virtual CPUs (KVM's in-kernel APIC, QEMU) take the IPIs at once, as Linux
    // also assumes for modern processors. A short pause keeps the order visible.
    send_command(apic_id, kIcrInit | kIcrAssert);
    delay_ns(10'000);
    auto vector = uint32_t(page >> 12);
    send_command(apic_id, kIcrStartup | vector);
    delay_ns(10'000);
    send_command(apic_id, kIcrStartup | vector);
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
