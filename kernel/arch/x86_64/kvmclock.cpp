// kvmclock (kvmclock.h). The protocol, from Linux's Documentation/virt/kvm/x86/msr.rst:
// writing a guest-physical address (with bit 0 set) to MSR_KVM_SYSTEM_TIME_NEW makes KVM
// keep a 32-byte record there for this vCPU: a TSC value, the system time in nanoseconds
// at that TSC value, and the TSC-to-nanoseconds scale (pvclock.h). Writing an address to
// MSR_KVM_WALL_CLOCK_NEW makes KVM write the wall-clock time at system time 0 there once.
// Both records carry a version that is odd while KVM rewrites them; a reader retries
// until it sees the same even version before and after.
//
// One record, the boot CPU's, serves every CPU: exact while KVM keeps the TSC stable
// across vCPUs (it says so with PVCLOCK_TSC_STABLE_BIT in the record's flags). Without
// that flag another vCPU's TSC may lag a little, so the clock never returns less than
// what any CPU was last told (an atomic maximum, as Linux's pvclock does then). One
// record per CPU would be exact there too: still to do.
#include <kernel/arch/x86_64/io.h>
#include <kernel/arch/x86_64/kvmclock.h>
#include <kernel/arch/x86_64/kernel_image.h>
#include <kernel/arch/x86_64/pvclock.h>

#include <cpuid.h>

namespace arch {

namespace {

constexpr uint32_t kHypervisorLeaf = 0x40000000, kKvmFeaturesLeaf = 0x40000001;
constexpr uint32_t kHypervisorPresent = 1u << 31; // CPUID.1:ECX
constexpr uint32_t kClockSource2 = 1u << 3;       // KVM_FEATURE_CLOCKSOURCE2: the MSRs below
constexpr uint32_t kMsrWallClock = 0x4b564d00, kMsrSystemTime = 0x4b564d01;
constexpr uint64_t kSystemTimeEnable = 1;

// "KVMKVMKVM\0\0\0" in EBX, ECX, EDX of the hypervisor leaf.
constexpr uint32_t kKvmSignature[3] = { 0x4b4d564b, 0x564b4d56, 0x0000004d };

struct alignas(32) TimeRecord { // pvclock_vcpu_time_info; aligned so it never crosses a page
    uint32_t version;
    uint32_t pad0;
    uint64_t tsc_timestamp;
    uint64_t system_time;
    uint32_t tsc_to_system_mul;
    int8_t tsc_shift;
    uint8_t flags;
    uint8_t pad[2];
};
static_assert(sizeof(TimeRecord) == 32);

struct alignas(4) WallClockRecord { // pvclock_wall_clock
    uint32_t version;
    uint32_t seconds;
    uint32_t nanoseconds;
};

// Written by the hypervisor, so only read through volatile references.
TimeRecord g_time;
WallClockRecord g_wall;
bool g_enabled;

bool offered()
{
    unsigned a, b, c, d;
    __cpuid(1, a, b, c, d);
    if (!(c & kHypervisorPresent))
        return false;
    __cpuid(kHypervisorLeaf, a, b, c, d);
    if (b != kKvmSignature[0] || c != kKvmSignature[1] || d != kKvmSignature[2] || a < kKvmFeaturesLeaf)
        return false;
    __cpuid(kKvmFeaturesLeaf, a, b, c, d);
    return a & kClockSource2;
}

/// rdtsc after every earlier load (the record's fields) has completed.
uint64_t rdtsc_ordered()
{
    asm volatile("lfence" ::: "memory");
    return rdtsc();
}

struct Snapshot {
    uint64_t tsc_timestamp, system_time;
    uint32_t mul;
    int8_t shift;
    uint8_t flags;
};

constexpr uint8_t kTscStable = 1; // PVCLOCK_TSC_STABLE_BIT

// The largest value kvmclock_ns() returned, for records without kTscStable.
struct LastReading {
    uint64_t ns = 0;
};

LastReading& last_reading()
{
    static LastReading last;
    return last;
}

/// A consistent copy of the time record, and the TSC read while it was current.
Snapshot read_record(uint64_t& tsc)
{
    const volatile TimeRecord& record = g_time;
    for (;;) {
        uint32_t version = record.version;
        asm volatile("" ::: "memory");
        Snapshot s { record.tsc_timestamp, record.system_time, record.tsc_to_system_mul, record.tsc_shift,
            record.flags };
        tsc = rdtsc_ordered();
        asm volatile("" ::: "memory");
        if (!(version & 1) && version == record.version)
            return s;
    }
}

} // namespace

bool kvmclock_init()
{
    if (!offered())
        return false;
    wrmsr(kMsrSystemTime, image_physical(&g_time) | kSystemTimeEnable);
    uint64_t tsc;
    g_enabled = read_record(tsc).mul != 0;
    if (!g_enabled)
        wrmsr(kMsrSystemTime, 0); // an empty record: leave the clock to the TSC
    return g_enabled;
}

uint64_t kvmclock_ns()
{
    uint64_t tsc;
    Snapshot s = read_record(tsc);
    uint64_t ns = pvclock::record_ns(s.system_time, s.tsc_timestamp, tsc, s.mul, s.shift);
    if (s.flags & kTscStable)
        return ns;
    uint64_t& last = last_reading().ns;
    uint64_t seen = __atomic_load_n(&last, __ATOMIC_RELAXED);
    while (ns > seen)
        if (__atomic_compare_exchange_n(&last, &seen, ns, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
            return ns;
    return seen; // another CPU already said later than this one's TSC gives
}

uint64_t kvmclock_tsc_hz()
{
    uint64_t tsc;
    Snapshot s = read_record(tsc);
    return pvclock::tsc_hz(s.mul, s.shift);
}

std::optional<int64_t> kvmclock_wall_ns()
{
    if (!g_enabled)
        return std::nullopt;
    wrmsr(kMsrWallClock, image_physical(&g_wall));
    const volatile WallClockRecord& wall = g_wall;
    for (;;) {
        uint32_t version = wall.version;
        asm volatile("" ::: "memory");
        int64_t at_zero = int64_t(wall.seconds) * 1000000000 + wall.nanoseconds;
        asm volatile("" ::: "memory");
        if (!(version & 1) && version == wall.version)
            return at_zero + int64_t(kvmclock_ns());
    }
}

} // namespace arch
