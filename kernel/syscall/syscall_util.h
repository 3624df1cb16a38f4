// Helpers shared by the system-call implementations (private to kernel/syscall).
#pragma once

#include <lib/result.h>

#include <cstddef>
#include <cstdint>

namespace sys {

/// Checks that [p, p+length) is a plausible buffer: not NULL (unless length is 0), no
/// wrap-around, canonical. EFAULT otherwise. FIRST CUT: does not walk the mappings (the
/// caller shares the kernel's address space and kernel buffers live in the top half), so a
/// wild pointer into an unmapped hole still faults, with a crash report, instead of EFAULT.
inline lib::Result<void> check_user_range(const void* p, size_t length)
{
    auto start = reinterpret_cast<uintptr_t>(p);
    if (length == 0)
        return {};
    if (!p || start + length < start)
        return lib::Error(lib::Errno::FAULT, "bad buffer address");
    constexpr uintptr_t kLowerHalfEnd = 0x0000'8000'0000'0000, kUpperHalfStart = 0xffff'8000'0000'0000;
    bool lower = start + length <= kLowerHalfEnd;
    bool upper = start >= kUpperHalfStart;
    if (!lower && !upper)
        return lib::Error(lib::Errno::FAULT, "non-canonical buffer address");
    return {};
}

/// Copies a NUL-terminated path of at most `size` bytes (including the NUL) into `out`.
/// EFAULT for NULL, ENAMETOOLONG if it does not fit, ENOENT for "".
lib::Result<size_t> copy_path(const char* path, char* out, size_t size);

constexpr int64_t kNanosPerSecond = 1'000'000'000;

} // namespace sys
