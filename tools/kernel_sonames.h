// The kernel-provided sonames, for the CLI (the list itself is in include/abi/kernel_sonames.h).
#pragma once

#include <abi/kernel_sonames.h>

namespace tools {

using osprey_abi::is_kernel_soname;
using osprey_abi::kKernelSonames;

} // namespace tools
