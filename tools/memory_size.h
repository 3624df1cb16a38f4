// Parsing of --memory sizes.
#pragma once

#include <cstdint>
#include <string_view>

namespace tools {

inline constexpr uint64_t kMiB = 1024 * 1024;
inline constexpr uint64_t kMinMemory = 4 * kMiB;
inline constexpr uint64_t kMaxMemory = 1024ull * 1024 * kMiB; // 1 TiB

/// Parses "64M", "1G", "512m", "2GiB", "1T", "131072K" (binary units, case-insensitive,
/// optional "B"/"iB"); a plain number is MiB, as for QEMU's -m. The size must be a whole
/// number of MiB within [kMinMemory, kMaxMemory]. Throws CliError(kExitBadInput)
/// saying what is wrong.
uint64_t parse_memory_size(std::string_view text);

} // namespace tools
