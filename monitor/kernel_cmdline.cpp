#include "kernel_cmdline.h"

#include <cstdio>

namespace monitor {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

/// Offset of the first word that is exactly "--" (no quotes, no escapes), or npos. Follows
/// split_cmdline(): "..." quotes, a backslash escapes the next byte anywhere.
size_t separator_offset(std::string_view text)
{
    size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && is_space(text[i]))
            ++i;
        size_t start = i;
        bool quoted = false;
        for (; i < text.size() && (quoted || !is_space(text[i])); ++i) {
            if (text[i] == '\\')
                ++i;
            else if (text[i] == '"')
                quoted = !quoted;
        }
        if (text.substr(start, std::min(i, text.size()) - start) == "--")
            return start;
    }
    return std::string_view::npos;
}

} // namespace

std::string insert_kernel_options(std::string_view cmdline, const std::vector<std::string>& options)
{
    std::string words;
    for (const std::string& option : options)
        words += option + ' ';
    size_t at = separator_offset(cmdline);
    if (at == std::string_view::npos) {
        std::string out(cmdline);
        if (!out.empty() && !words.empty())
            out += ' ';
        return out + (words.empty() ? "" : words.substr(0, words.size() - 1));
    }
    return std::string(cmdline.substr(0, at)) + words + std::string(cmdline.substr(at));
}

std::string virtio_mmio_option(uint64_t size, uint64_t base, uint32_t irq)
{
    char text[80];
    snprintf(text, sizeof(text), "virtio_mmio.device=0x%llx@0x%llx:%u", (unsigned long long)size,
        (unsigned long long)base, irq);
    return text;
}

} // namespace monitor
