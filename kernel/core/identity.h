// What the kernel says it is: uname(2), /proc/version, /proc/sys/kernel/*. Programs check
// the release against Linux versions (glibc wants at least 3.2), so it reads as Linux 6.1.
#pragma once

namespace core {

inline constexpr const char* kSystemName = "Linux";
inline constexpr const char* kHostName = "osprey";
inline constexpr const char* kRelease = "6.1.0-osprey";
inline constexpr const char* kVersion = "#1 SMP Osprey";
inline constexpr const char* kMachine = "x86_64";

} // namespace core
