// glibc-only math entry points musl lacks: signaling-NaN tests (_Float128's too), jnl/ynl, the old -ffinite-math-only
// names, gamma, and floating-point trap control (<fenv.h> GNU extensions).
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fenv.h>

namespace {

// x87 control word and MXCSR: exception mask bits (set = masked = no trap); the MXCSR's
// are the same bits shifted left by 7 (Intel SDM Vol. 1 §8.1.5, §10.2.3).
constexpr unsigned kAllExceptions = FE_ALL_EXCEPT, kMxcsrMaskShift = 7;

unsigned enabled_exceptions()
{
    uint16_t control;
    asm volatile("fnstcw %0" : "=m"(control));
    return ~control & kAllExceptions;
}

/// Unmasks (`enable`) or masks the traps for `excepts` in both units; returns the set
/// enabled before, or -1 for bits that are not exceptions.
int set_traps(int excepts, bool enable)
{
    if (excepts & ~int(kAllExceptions))
        return -1;
    int before = int(enabled_exceptions());
    uint16_t control;
    uint32_t mxcsr;
    asm volatile("fnstcw %0; stmxcsr %1" : "=m"(control), "=m"(mxcsr));
    if (enable) {
        control &= uint16_t(~excepts);
        mxcsr &= ~(uint32_t(excepts) << kMxcsrMaskShift);
    } else {
        control |= uint16_t(excepts);
        mxcsr |= uint32_t(excepts) << kMxcsrMaskShift;
    }
    asm volatile("fldcw %0; ldmxcsr %1" ::"m"(control), "m"(mxcsr));
    return before;
}

} // namespace

extern "C" {

// A NaN is signaling when its quiet bit (the most significant fraction bit) is clear.
int __issignaling(double x) noexcept
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof(bits));
    return std::isnan(x) && !(bits & (uint64_t(1) << 51));
}
int __issignalingf(float x) noexcept
{
    uint32_t bits;
    memcpy(&bits, &x, sizeof(bits));
    return std::isnan(x) && !(bits & (uint32_t(1) << 22));
}
int __issignalingl(long double x) noexcept
{
    uint64_t mantissa; // x87 extended: explicit integer bit 63, quiet bit 62
    memcpy(&mantissa, &x, sizeof(mantissa));
    return std::isnan(x) && !(mantissa & (uint64_t(1) << 62));
}

int __issignalingf128(__float128 x) noexcept
{
    unsigned __int128 bits; // binary128: exponent bits 112-126, quiet bit 111
    memcpy(&bits, &x, sizeof(bits));
    constexpr unsigned __int128 kExponent = (unsigned __int128)0x7fff << 112;
    constexpr unsigned __int128 kFraction = ((unsigned __int128)1 << 112) - 1;
    constexpr unsigned __int128 kQuiet = (unsigned __int128)1 << 111;
    return (bits & kExponent) == kExponent && (bits & kFraction) && !(bits & kQuiet);
}

// Bessel functions of integer order in long double. PARTIAL: computed by musl's double
// jn/yn, so about 16 significant digits where glibc's give the x87's 19 (and an argument
// beyond double's range is what double makes of it).
long double jnl(int n, long double x) noexcept { return jn(n, double(x)); }
long double ynl(int n, long double x) noexcept { return yn(n, double(x)); }

// Programs built with -ffinite-math-only against glibc < 2.31 call these names.
double __atan2_finite(double y, double x) noexcept { return atan2(y, x); }
double __exp_finite(double x) noexcept { return exp(x); }

// The old name of lgamma (sets signgam the same way).
double gamma(double x) noexcept { return lgamma(x); }

int feenableexcept(int excepts) noexcept { return set_traps(excepts, true); }
int fedisableexcept(int excepts) noexcept { return set_traps(excepts, false); }
int fegetexcept() noexcept { return int(enabled_exceptions()); }

} // extern "C"
