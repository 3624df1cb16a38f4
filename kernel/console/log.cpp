#include <kernel/console/log.h>

#include <kernel/arch/x86_64/tsc.h>
#include <kernel/console/console_output.h>

namespace klog {

namespace {

constexpr const char* kSubsystemNames[]
    = { "boot", "cpu", "mm", "fs", "linker", "shim", "syscall", "virtio", "sched", "net" };
static_assert(sizeof(kSubsystemNames) / sizeof(kSubsystemNames[0]) == size_t(Subsystem::Count));
constexpr const char* kLevelNames[] = { "error", "warn", "info", "debug" };

// Default: warnings and errors only, so a program's own output is all a user sees.
Level g_levels[size_t(Subsystem::Count)] = { Level::Warn, Level::Warn, Level::Warn, Level::Warn, Level::Warn,
    Level::Warn, Level::Warn, Level::Warn, Level::Warn };

bool parse_level(std::string_view text, Level& level)
{
    for (size_t i = 0; i < 4; ++i) {
        if (text == kLevelNames[i]) {
            level = Level(i);
            return true;
        }
    }
    return false;
}

} // namespace

bool enabled(Subsystem subsystem, Level level) { return level <= g_levels[size_t(subsystem)]; }

bool apply_option(std::string_view key, std::string_view value)
{
    Level level;
    if (!parse_level(value, level))
        return false;
    if (key == "log") {
        for (auto& l : g_levels)
            l = level;
        return true;
    }
    if (!key.starts_with("log."))
        return false;
    key.remove_prefix(4);
    for (size_t i = 0; i < size_t(Subsystem::Count); ++i) {
        if (key == kSubsystemNames[i]) {
            g_levels[i] = level;
            return true;
        }
    }
    return false;
}

void emit(Subsystem subsystem, Level level, const char* text, size_t length)
{
    uint64_t ns = arch::monotonic_ns();
    char prefix[64];
    auto p = fmt::format_to_n(prefix, sizeof(prefix), "[{:4}.{:06}] {}: {}", ns / 1000000000, (ns / 1000) % 1000000,
        kSubsystemNames[size_t(subsystem)],
        level <= Level::Warn ? (level == Level::Error ? "error: " : "warning: ") : "");
    console::write(prefix, p.size < sizeof(prefix) ? p.size : sizeof(prefix));
    console::write(text, length);
    console::write("\n", 1);
}

} // namespace klog
