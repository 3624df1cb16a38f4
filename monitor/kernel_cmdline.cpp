#include "kernel_cmdline.h"

#include <abi/virtio_wire.h>
#include <images/cmdline.h>

#include <cstdio>

namespace monitor {

namespace {

/// Offset in `text` of the word the kernel takes for the "--" separator (the first word
/// that is "--" once quotes and escapes are removed, images::parse_cmdline), or npos: none,
/// or a malformed line, which the kernel refuses with its own message.
size_t separator_offset(std::string_view text)
{
    std::string storage(text.size() + 1, '\0');
    std::vector<std::string_view> words(text.size() / 2 + 1); // words are at least one byte apart
    std::vector<size_t> starts(words.size());
    auto count = images::split_cmdline(text, storage, words, starts);
    if (count.is_error())
        return std::string_view::npos;
    for (size_t i = 0; i < count.value(); ++i)
        if (words[i] == images::kCmdlineSeparator)
            return starts[i];
    return std::string_view::npos;
}

} // namespace

bool names_guest_address(std::string_view cmdline)
{
    std::string storage(cmdline.size() + 1, '\0');
    std::vector<std::string_view> words(cmdline.size() / 2 + 1);
    auto parsed = images::parse_cmdline(cmdline, storage, words);
    if (parsed.is_error())
        return false;
    for (std::string_view option : parsed->options)
        if (images::option_key(option) == "net.ip")
            return true;
    return false;
}

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
    snprintf(text, sizeof(text), "=0x%llx@0x%llx:%u", (unsigned long long)size, (unsigned long long)base, irq);
    return std::string(virtio_wire::kMmioDeviceOptionKey) + text;
}

} // namespace monitor
