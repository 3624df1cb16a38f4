// The shared libraries the Osprey kernel provides itself (its built-in C library; see
// docs/architecture.md "libc-shim"). The CLI never packs them into an image and the
// kernel's linker never loads them from one. Shared by both, freestanding.
// (Namespace osprey_abi, not abi: <cxxabi.h>, which googletest includes, owns `abi`.)
#pragma once

#include <string_view>

namespace osprey_abi {

inline constexpr std::string_view kKernelSonames[] = {
    "libc.so.6",
    "libm.so.6",
    "libpthread.so.0",
    "libdl.so.2",
    "librt.so.1",
    "libutil.so.1",
    "libresolv.so.2",
    "ld-linux-x86-64.so.2",
};

constexpr bool is_kernel_soname(std::string_view soname)
{
    for (std::string_view s : kKernelSonames)
        if (s == soname)
            return true;
    return false;
}

} // namespace osprey_abi
