// Where virtio-mmio devices are: the Linux/Firecracker kernel option
//   virtio_mmio.device=<size>@<base>:<irq>[:<id>]
// (Linux Documentation/admin-guide/kernel-parameters.txt; size and base take the K/M/G
// suffixes of memparse, base is usually hex, irq decimal, the platform id is ignored).
// Osprey's monitor and the `osprey` CLI pass one such word per device among the kernel
// options. Portable, so host tests check the parser the kernel runs.
#pragma once

#include <lib/result.h>

#include <cstdint>
#include <string_view>

namespace virtio {

struct MmioDeviceOption {
    uint64_t base;
    uint64_t size;
    uint32_t irq;
};

/// Parses the value of a virtio_mmio.device option ("512@0xfeb00000:5"). Errors: EINVAL
/// (syntax, zero or misaligned base, a window below 256 bytes or above 1 MiB, a range that
/// lies beyond 4 PiB of physical address space, an irq above 255).
lib::Result<MmioDeviceOption> parse_mmio_device_option(std::string_view value);

} // namespace virtio
