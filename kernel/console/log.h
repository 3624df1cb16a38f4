// The kernel log: type-checked formatting (fmt, header-only; format strings are checked at
// compile time), a timestamp in seconds since boot, the subsystem, and a per-subsystem
// level switch (boot option `log=LEVEL` or `log.SUBSYSTEM=LEVEL`).
//
//   klog::info(klog::Subsystem::Mm, "{} MiB of RAM in {} ranges", mib, count);
#pragma once

#include <fmt/format.h>

#include <cstddef>
#include <string_view>

namespace klog {

enum class Level { Error, Warn, Info, Debug };
enum class Subsystem { Boot, Cpu, Mm, Fs, Linker, Shim, Syscall, Virtio, Sched, Net, Count };

/// Whether messages of `level` from `subsystem` are printed.
bool enabled(Subsystem subsystem, Level level);
/// Applies one boot option ("log=debug", "log.mm=debug"); false if it is not a log option
/// or names an unknown level or subsystem.
bool apply_option(std::string_view key, std::string_view value);
/// Writes one finished line (prefix added here) to the console.
void emit(Subsystem subsystem, Level level, const char* text, size_t length);

template<typename... Args>
void log(Subsystem subsystem, Level level, fmt::format_string<Args...> format, Args&&... args)
{
    if (!enabled(subsystem, level))
        return;
    char buffer[512];
    auto result = fmt::format_to_n(buffer, sizeof(buffer), format, static_cast<Args&&>(args)...);
    emit(subsystem, level, buffer, result.size < sizeof(buffer) ? result.size : sizeof(buffer));
}

template<typename... Args> void error(Subsystem s, fmt::format_string<Args...> f, Args&&... a)
{
    log(s, Level::Error, f, static_cast<Args&&>(a)...);
}
template<typename... Args> void warn(Subsystem s, fmt::format_string<Args...> f, Args&&... a)
{
    log(s, Level::Warn, f, static_cast<Args&&>(a)...);
}
template<typename... Args> void info(Subsystem s, fmt::format_string<Args...> f, Args&&... a)
{
    log(s, Level::Info, f, static_cast<Args&&>(a)...);
}
template<typename... Args> void debug(Subsystem s, fmt::format_string<Args...> f, Args&&... a)
{
    log(s, Level::Debug, f, static_cast<Args&&>(a)...);
}

} // namespace klog
