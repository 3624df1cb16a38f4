#include <linker/search_path.h>

namespace linker {

namespace {

constexpr std::string_view kLib = "lib/x86_64-linux-gnu", kPlatform = "x86_64";

bool isalnum_ascii(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

/// Writes a path into `out`, folding "." and ".." components and repeated slashes as it
/// goes; the result starts with '/' and has no trailing slash unless it is "/".
class PathWriter {
public:
    explicit PathWriter(std::span<char> out) : m_out(out) { }

    bool append(std::string_view text)
    {
        for (char c : text)
            if (!put(c))
                return false;
        return true;
    }
    std::string_view finish()
    {
        fold_last_component();
        if (m_used > 1 && m_out[m_used - 1] == '/')
            --m_used;
        if (m_used == 0)
            return "/";
        return { m_out.data(), m_used };
    }

private:
    bool put(char c)
    {
        if (c == '/') {
            fold_last_component();
            if (m_used > 0 && m_out[m_used - 1] == '/')
                return true;
        }
        if (m_used == 0 && c != '/') {
            if (m_out.empty())
                return false;
            m_out[m_used++] = '/';
        }
        if (m_used == m_out.size())
            return false;
        m_out[m_used++] = c;
        return true;
    }
    /// The component just written is "." (dropped) or ".." (drops itself and its parent).
    void fold_last_component()
    {
        std::string_view written(m_out.data(), m_used);
        size_t slash = written.rfind('/');
        if (slash == std::string_view::npos)
            return;
        std::string_view last = written.substr(slash + 1);
        if (last == ".")
            m_used = slash;
        else if (last == "..") {
            size_t parent = slash == 0 ? 0 : written.rfind('/', slash - 1);
            m_used = parent == std::string_view::npos ? 0 : parent;
        }
    }

    std::span<char> m_out;
    size_t m_used = 0;
};

/// The value of the token at the start of `text` (after its '$'), and its length.
bool token_value(std::string_view text, std::string_view origin, std::string_view& value, size_t& length)
{
    bool braced = text.starts_with('{');
    size_t name_start = braced ? 1 : 0;
    size_t name_end = name_start;
    while (name_end < text.size() && (isalnum_ascii(text[name_end]) || text[name_end] == '_'))
        ++name_end;
    if (braced && (name_end >= text.size() || text[name_end] != '}'))
        return false;
    std::string_view name = text.substr(name_start, name_end - name_start);
    if (name == "ORIGIN")
        value = origin;
    else if (name == "LIB")
        value = kLib;
    else if (name == "PLATFORM")
        value = kPlatform;
    else
        return false;
    length = name_end + (braced ? 1 : 0);
    return true;
}

} // namespace

std::string_view directory_of(std::string_view path)
{
    size_t slash = path.rfind('/');
    if (slash == std::string_view::npos)
        return ".";
    return slash == 0 ? std::string_view("/") : path.substr(0, slash);
}

lib::Result<std::string_view> expand_search_entry(std::string_view entry, std::string_view origin, std::span<char> out)
{
    if (entry.empty())
        return lib::Error(lib::Errno::INVAL, "empty search path entry");
    PathWriter writer(out);
    for (size_t i = 0; i < entry.size(); ++i) {
        if (entry[i] != '$') {
            if (!writer.append(entry.substr(i, 1)))
                return lib::Error(lib::Errno::NAMETOOLONG, "search path entry too long");
            continue;
        }
        std::string_view value;
        size_t length = 0;
        if (!token_value(entry.substr(i + 1), origin, value, length))
            return lib::Error(lib::Errno::INVAL, "unknown token in a search path entry");
        if (!writer.append(value))
            return lib::Error(lib::Errno::NAMETOOLONG, "search path entry too long");
        i += length;
    }
    return writer.finish();
}

} // namespace linker
