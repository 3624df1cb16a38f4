// Helpers shared by the system-call implementations (private to kernel/syscall).
#pragma once

#include <abi/linux_abi.h>
#include <lib/ref_counted.h>
#include <lib/result.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace vfs {
class Node;
}

namespace sys {

enum class UserAccess { Read, Write };

/// Checks that the program's buffer [p, p+length) can be accessed: not NULL (unless length
/// is 0), no wrap-around, canonical, and entirely mapped with the protection `access`
/// needs (a read-only buffer cannot receive data). EFAULT otherwise, as Linux says, instead
/// of the fault that would kill the program. The lower half is checked against the address
/// space's areas, the kernel half against the kernel page tables (mm::kernel_half_mapped):
/// kernel text and rodata refuse writes, absent pages and device registers refuse both.
/// The kernel's data stays accepted: in one address space the kernel's libc hands the
/// program buffers there (stdio's, strerror's), and ring-0 code could write it anyway.
lib::Result<void> check_user_range(const void* p, size_t length, UserAccess access = UserAccess::Read);

/// Copies a NUL-terminated path of at most `size` bytes (including the NUL) into `out`.
/// EFAULT for NULL, ENAMETOOLONG if it does not fit, ENOENT for "".
lib::Result<size_t> copy_path(const char* path, char* out, size_t size);

/// A path copied in from the program (at most PATH_MAX bytes with the NUL).
struct UserPath {
    char text[4096];
    size_t length = 0;
    std::string_view view() const { return { text, length }; }
};
/// copy_path into a UserPath: EFAULT, ENAMETOOLONG, ENOENT for "".
lib::Result<void> read_path(const char* path, UserPath& out);
/// Where a path for an *at call starts: null (the working directory) for AT_FDCWD or an
/// absolute path, else the directory `dirfd` refers to (a counted reference: another
/// thread may close the descriptor meanwhile). EBADF, ENOTDIR.
lib::Result<lib::RefPtr<vfs::Node>> start_directory(int dirfd, std::string_view path);

constexpr int64_t kNanosPerSecond = 1'000'000'000;

/// The program's timespec at `ts` in nanoseconds (time.cpp): EFAULT when it cannot be
/// read, EINVAL for a negative or out-of-range field. Seconds beyond what 64 bits of
/// nanoseconds hold are clamped: an effectively infinite time, not an overflow.
lib::Result<int64_t> read_timespec(const linux_abi::Timespec* ts);

} // namespace sys
