// The local APIC (Intel SDM vol. 3A ch. 11) in xAPIC mode, through its memory-mapped
// registers: this CPU's timer and end-of-interrupt. QEMU 7.2's software emulation has no
// x2APIC, KVM's in-kernel APIC has both, so the MMIO form works everywhere Osprey boots.
//
// The timer is one-shot: the scheduler arms it for the next event it needs (the end of a
// time slice, the earliest sleeper) and nothing ticks in between. TSC-deadline mode
// (§11.5.4.1) is used when CPUID has it; otherwise the timer counts down at a rate
// measured once against the TSC.
#pragma once

#include <cstdint>

namespace arch {

constexpr uint64_t kLapicDefaultBase = 0xfee00000; // IA32_APIC_BASE's power-on value
constexpr uint8_t kLapicTimerVector = 0xf0;
constexpr uint8_t kLapicSpuriousVector = 0xff;
constexpr uint8_t kRescheduleVector = 0xf1;     // "look at the run queue and your signals" (sched)
constexpr uint8_t kTlbShootdownVector = 0xf2;   // "flush your TLB" (tlb.h)
constexpr uint8_t kKernelLockKickVector = 0xf3; // "the big kernel lock is free" (sched/kernel_lock.cpp)

/// Physical address of this CPU's APIC registers, or 0 when CPUID reports no APIC.
uint64_t lapic_physical_base();

/// Enables the APIC at `registers` (the mapped page of lapic_physical_base()) with the
/// timer masked, and measures the timer when TSC-deadline mode is missing. Call once,
/// with interrupts disabled. Returns how the timer will run ("tsc-deadline", "one-shot").
const char* lapic_init(volatile void* registers);

/// Enables this application processor's APIC with the timer mode lapic_init() chose (the
/// registers are at the same address on every CPU; each CPU reaches its own). Call once per
/// AP, after lapic_init() ran on the boot CPU, with interrupts disabled.
void lapic_init_secondary();

/// This CPU's APIC ID (the xAPIC ID register, bits 31:24).
uint8_t lapic_id();

/// Sends interrupt `vector` to the CPU with APIC ID `apic_id`.
void lapic_send_ipi(uint8_t apic_id, uint8_t vector);
/// Sends interrupt `vector` to every CPU but this one (destination shorthand "all excluding
/// self"; CPUs not started ignore it).
void lapic_send_ipi_to_others(uint8_t vector);
/// Starts the application processor `apic_id` (MP spec B.4, SDM vol. 3A §9.4.4.1): INIT,
/// then two STARTUP IPIs, each making it run real-mode code at physical `page` (4 KiB
/// aligned, below 1 MiB). A processor already started ignores the second.
void lapic_start_processor(uint8_t apic_id, uint64_t page);

/// Whether lapic_init() ran.
bool lapic_ready();

/// Arms the timer to raise kLapicTimerVector at monotonic time `deadline_ns` (or at once,
/// if that is past). Replaces any earlier setting.
void lapic_arm_timer(uint64_t deadline_ns);
/// Signals the end of the interrupt being handled; every APIC-delivered handler calls it.
void lapic_end_of_interrupt();

} // namespace arch
