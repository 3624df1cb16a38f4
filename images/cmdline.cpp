// Kernel command line codec (syntax in images/cmdline.h).
#include <images/cmdline.h>

namespace images {
namespace {

using lib::Errno;
using lib::Error;

constexpr bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

constexpr bool needs_quotes(char c) { return is_space(c) || c == '"' || c == '\\'; }

class Output {
public:
    explicit Output(std::span<char> buffer) : m_buffer(buffer) { }
    lib::Result<void> put(char c)
    {
        if (m_size == m_buffer.size())
            return Error(Errno::TOOBIG, "command line: buffer too small");
        m_buffer[m_size++] = c;
        return {};
    }
    size_t size() const { return m_size; }
    const char* at(size_t offset) const { return m_buffer.data() + offset; }

private:
    std::span<char> m_buffer;
    size_t m_size = 0;
};

// Copies one word starting at text[i] (not whitespace) to `out`; advances i past it.
lib::Result<void> split_word(std::string_view text, size_t& i, Output& out)
{
    bool quoted = false;
    for (; i < text.size() && (quoted || !is_space(text[i])); ++i) {
        char c = text[i];
        if (c == '\0')
            return Error(Errno::INVAL, "command line: NUL byte");
        if (c == '"') {
            quoted = !quoted;
            continue;
        }
        if (c == '\\') {
            if (++i == text.size())
                return Error(Errno::INVAL, "command line: backslash at the end");
            c = text[i];
            if (c == '\0')
                return Error(Errno::INVAL, "command line: NUL byte");
        }
        TRY(out.put(c));
    }
    if (quoted)
        return Error(Errno::INVAL, "command line: unterminated quote");
    return out.put('\0');
}

} // namespace

lib::Result<size_t> split_cmdline(
    std::string_view text, std::span<char> storage, std::span<std::string_view> words, std::span<size_t> starts)
{
    Output out(storage);
    size_t count = 0;
    size_t i = 0;
    while (true) {
        while (i < text.size() && is_space(text[i]))
            ++i;
        if (i == text.size())
            return count;
        if (count == words.size())
            return Error(Errno::TOOBIG, "command line: too many words");
        if (count < starts.size())
            starts[count] = i;
        size_t start = out.size();
        TRY(split_word(text, i, out));
        words[count++] = std::string_view(out.at(start), out.size() - 1 - start);
    }
}

lib::Result<Cmdline> parse_cmdline(std::string_view text, std::span<char> storage, std::span<std::string_view> words)
{
    size_t count = TRY(split_cmdline(text, storage, words));
    std::span<const std::string_view> all = words.first(count);
    for (size_t i = 0; i < count; ++i) {
        if (all[i] == kCmdlineSeparator)
            return Cmdline { all.first(i), all.subspan(i + 1), true };
    }
    return Cmdline { all, {}, false };
}

std::string_view option_key(std::string_view option) { return option.substr(0, option.find('=')); }

std::string_view option_value(std::string_view option)
{
    size_t equals = option.find('=');
    return equals == std::string_view::npos ? std::string_view() : option.substr(equals + 1);
}

size_t encoded_size(std::string_view word)
{
    bool quote = word.empty();
    size_t escapes = 0;
    for (char c : word) {
        quote = quote || needs_quotes(c);
        escapes += c == '"' || c == '\\';
    }
    return word.size() + escapes + (quote ? 2 : 0);
}

lib::Result<size_t> encode_word(std::string_view word, std::span<char> buffer)
{
    if (word.find('\0') != std::string_view::npos)
        return Error(Errno::INVAL, "command line: NUL byte in a word");
    bool quote = encoded_size(word) != word.size();
    Output out(buffer);
    if (quote)
        TRY(out.put('"'));
    for (char c : word) {
        if (c == '"' || c == '\\')
            TRY(out.put('\\'));
        TRY(out.put(c));
    }
    if (quote)
        TRY(out.put('"'));
    return out.size();
}

} // namespace images
