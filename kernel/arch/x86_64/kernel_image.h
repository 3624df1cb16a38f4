// Addresses inside the kernel image (kernel/arch/x86_64/kernel.ld).
#pragma once

#include <kernel/arch/x86_64/layout.h>

#include <cstdint>

namespace arch {

/// The physical address of kernel-image memory (its text, data or .bss): the image is
/// mapped at KERNEL_VMA_BASE plus its physical address, so such memory is physically
/// contiguous and below 4 GiB, and one 32-bit port write can name a record there.
inline uint64_t image_physical(const void* in_image) { return reinterpret_cast<uint64_t>(in_image) - KERNEL_VMA_BASE; }

} // namespace arch
