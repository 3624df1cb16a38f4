#include "memory_size.h"

#include "cli_error.h"

#include <cctype>
#include <string>

namespace tools {
namespace {

[[noreturn]] void bad_size(std::string_view text, const std::string& why)
{
    throw CliError(kExitBadInput,
        "bad memory size '" + std::string(text) + "': " + why + " (examples: 64M, 512M, 2G; at least 4M)");
}

uint64_t unit_multiplier(std::string_view text, std::string_view unit)
{
    std::string lower;
    for (char c : unit)
        lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower.size() > 1 && (lower.ends_with("ib") || lower.ends_with("b")))
        lower.resize(lower.ends_with("ib") ? lower.size() - 2 : lower.size() - 1);
    if (lower.empty() || lower == "m")
        return kMiB;
    if (lower == "k")
        return 1024;
    if (lower == "g")
        return 1024 * kMiB;
    if (lower == "t")
        return 1024 * 1024 * kMiB;
    bad_size(text, "unknown unit '" + std::string(unit) + "'");
}

} // namespace

uint64_t parse_memory_size(std::string_view text)
{
    size_t digits = 0;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits])))
        ++digits;
    if (digits == 0)
        bad_size(text, "it does not start with a number");
    if (digits > 12)
        bad_size(text, "too large");
    uint64_t number = std::stoull(std::string(text.substr(0, digits)));
    uint64_t multiplier = unit_multiplier(text, text.substr(digits));
    if (number > kMaxMemory / multiplier)
        bad_size(text, "too large (at most 1T)");
    uint64_t bytes = number * multiplier;
    if (bytes % kMiB != 0)
        bad_size(text, "not a whole number of MiB");
    if (bytes < kMinMemory || bytes > kMaxMemory)
        bad_size(text, bytes < kMinMemory ? "too small" : "too large (at most 1T)");
    return bytes;
}

} // namespace tools
