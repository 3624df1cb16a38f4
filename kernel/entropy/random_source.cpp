// The kernel's random source (random_source.h). Bytes come from RDSEED or RDRAND when
// CPUID advertises them (Intel SDM vol. 1 §7.3.17: retry a few times, the instructions may
// transiently fail).
//
// FALLBACK, NOT CRYPTOGRAPHIC: without either instruction (or if they keep failing) the
// bytes come from a SplitMix64 generator whose state is stirred with the TSC on every
// call. That is unpredictable enough for hash-table seeds and temporary names, and it is
// what getrandom returns without an error, but it is not a secure random source; the log
// says so once.
//
// A virtio entropy device, when one was probed (drivers/virtio), comes first: its bytes
// are the host's. Should it fail, the CPU sources above take over for good.
#include <kernel/entropy/random_source.h>

#include <drivers/virtio/kernel/rng.h>
#include <kernel/arch/x86_64/io.h>
#include <kernel/arch/x86_64/spin_lock.h>
#include <kernel/console/log.h>
#include <lib/guarded.h>

#include <cpuid.h>
#include <cstring>

namespace entropy {

namespace {

constexpr int kHardwareRetries = 10;

enum class Source { Unknown, Rdseed, Rdrand, Fallback };

/// Which CPU source the kernel uses (found on first use) and the fallback generator's
/// state, which any CPU's caller stirs: behind one lock.
struct SourceState {
    Source source = Source::Unknown;
    uint64_t fallback_state = 0;
};

lib::Guarded<SourceState, arch::SpinLock>& source_state()
{
    static constinit lib::Guarded<SourceState, arch::SpinLock> state;
    return state;
}

Source detect()
{
    unsigned a, b, c, d;
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & bit_RDSEED))
        return Source::Rdseed;
    if (__get_cpuid(1, &a, &b, &c, &d) && (c & bit_RDRND))
        return Source::Rdrand;
    klog::warn(
        klog::Subsystem::Syscall, "no RDRAND/RDSEED: getrandom uses a TSC-seeded generator that is NOT cryptographic");
    return Source::Fallback;
}

bool hardware_word(Source source, uint64_t& out)
{
    for (int i = 0; i < kHardwareRetries; ++i) {
        unsigned char ok;
        if (source == Source::Rdseed)
            asm volatile("rdseed %0; setc %1" : "=r"(out), "=qm"(ok));
        else
            asm volatile("rdrand %0; setc %1" : "=r"(out), "=qm"(ok));
        if (ok)
            return true;
    }
    return false;
}

uint64_t fallback_word()
{
    uint64_t z = source_state().with(
        [](SourceState& state) { return state.fallback_state += 0x9e3779b97f4a7c15ull ^ arch::rdtsc(); });
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint64_t random_word(Source source)
{
    uint64_t word;
    if (source == Source::Rdseed && hardware_word(Source::Rdseed, word))
        return word;
    if (source != Source::Fallback && hardware_word(Source::Rdrand, word))
        return word;
    return fallback_word();
}

/// The CPU source, found on the first call (detect logs, so it runs without the lock; two
/// first callers find the same answer).
Source cpu_source()
{
    Source source = source_state().with([](SourceState& state) { return state.source; });
    if (source != Source::Unknown)
        return source;
    source = detect();
    source_state().with([&](SourceState& state) { state.source = source; });
    return source;
}

} // namespace

void random_bytes(void* buffer, size_t length)
{
    if (virtio::read_entropy(buffer, length))
        return;
    Source source = cpu_source();
    auto* out = static_cast<unsigned char*>(buffer);
    for (size_t done = 0; done < length; done += sizeof(uint64_t)) {
        uint64_t word = random_word(source);
        size_t n = length - done < sizeof(word) ? length - done : sizeof(word);
        memcpy(out + done, &word, n);
    }
}

void mix_seed(const void* seed, size_t length)
{
    const auto* bytes = static_cast<const unsigned char*>(seed);
    source_state().with([&](SourceState& state) {
        for (size_t i = 0; i < length; ++i)
            state.fallback_state = (state.fallback_state ^ bytes[i]) * 0x100000001b3ull; // FNV-1a steps
    });
}

} // namespace entropy
