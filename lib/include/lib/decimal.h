// Decimal numbers in text the kernel reads (boot options, /proc paths): digits only, no
// sign, no spaces. Header-only, host-tested (tests/host/lib_decimal_test.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace lib {

/// The number `text` spells in decimal when it is at most `max`; nothing for an empty
/// text, any other character, or a larger number.
constexpr std::optional<uint64_t> parse_decimal(std::string_view text, uint64_t max = UINT64_MAX)
{
    if (text.empty())
        return std::nullopt;
    uint64_t value = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            return std::nullopt;
        auto digit = uint64_t(c - '0');
        if (value > (max - digit) / 10)
            return std::nullopt;
        value = value * 10 + digit;
    }
    return value;
}

} // namespace lib
