// The shared libraries the Osprey kernel provides itself (its built-in C library; see
// DESIGN.md "libc and the glibc ABI"). `osprey build` never packs them into an image.
#pragma once

#include <algorithm>
#include <array>
#include <string_view>

namespace tools {

inline constexpr std::array<std::string_view, 8> kKernelSonames = {
    "libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2",
    "librt.so.1", "libutil.so.1", "libresolv.so.2", "ld-linux-x86-64.so.2",
};

inline bool is_kernel_soname(std::string_view soname)
{
    return std::find(kKernelSonames.begin(), kKernelSonames.end(), soname) != kKernelSonames.end();
}

} // namespace tools
