// libFuzzer target: the kernel command-line codec (images/cmdline.h), which the kernel runs
// on what the VMM hands it. Any bytes: split_cmdline stays in its storage and word arrays
// (ASan) or says E2BIG/EINVAL; and every word it gives back encodes (encode_word, in
// exactly encoded_size bytes) to a line that splits into the same words.
#include <images/cmdline.h>

#include <string>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    std::string_view text(reinterpret_cast<const char*>(data), size);
    std::vector<char> storage(size + 1);
    std::vector<std::string_view> words(16);
    auto count = images::split_cmdline(text, storage, words);
    if (count.is_error())
        return 0;
    std::string line;
    for (size_t i = 0; i < *count; ++i) {
        std::string encoded(images::encoded_size(words[i]), '\0');
        auto written = images::encode_word(words[i], encoded);
        if (written.is_error() || *written != encoded.size())
            __builtin_trap();
        line += (i ? " " : "") + encoded;
    }
    std::vector<char> again_storage(line.size() + 1);
    std::vector<std::string_view> again(16);
    auto again_count = images::split_cmdline(line, again_storage, again);
    if (again_count.is_error() || *again_count != *count)
        __builtin_trap();
    for (size_t i = 0; i < *count; ++i)
        if (again[i] != words[i])
            __builtin_trap();
    if (auto parsed = images::parse_cmdline(text, storage, words); !parsed.is_error())
        for (std::string_view option : parsed->options)
            (void)images::option_value(option), (void)images::option_key(option);
    return 0;
}
