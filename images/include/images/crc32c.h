// CRC-32C (Castagnoli, reflected polynomial 0x82f63b78), as used by iSCSI and ext4
// metadata. Portable: host tools and the kernel.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace images {

/// Continues a CRC-32C over `bytes`. Start with crc = 0; feed pieces in order; the result
/// of the last call is the checksum (crc32c("123456789") == 0xe3069283).
uint32_t crc32c(std::span<const std::byte> bytes, uint32_t crc = 0);

} // namespace images
