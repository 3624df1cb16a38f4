// A growing text buffer (malloc'd): the snapshot of one /proc or /sys file, made at open
// as Linux's seq_file makes it on the first read.
#pragma once

#include <fmt/format.h>

#include <cstdlib>
#include <cstring>

namespace fs {

class ProcText {
public:
    ProcText() = default;
    ProcText(const ProcText&) = delete;
    ProcText& operator=(const ProcText&) = delete;
    ~ProcText() { free(m_data); }

    /// Appends formatted text; false when out of memory (the text stays as it was).
    template<typename... Args> bool append(fmt::format_string<Args...> format, Args&&... args)
    {
        size_t needed = fmt::formatted_size(format, static_cast<Args&&>(args)...);
        if (!reserve(needed))
            return false;
        fmt::format_to(m_data + m_size, format, static_cast<Args&&>(args)...);
        m_size += needed;
        return true;
    }
    /// Appends raw bytes (NULs included: cmdline and environ are NUL-separated).
    bool append_bytes(const char* bytes, size_t length)
    {
        if (!reserve(length))
            return false;
        memcpy(m_data + m_size, bytes, length);
        m_size += length;
        return true;
    }
    size_t size() const { return m_size; }
    const char* data() const { return m_data; }
    /// Hands the buffer over (the caller frees it).
    char* release(size_t& size)
    {
        size = m_size;
        char* data = m_data;
        m_data = nullptr;
        m_size = m_capacity = 0;
        return data;
    }

private:
    bool reserve(size_t more)
    {
        if (m_size + more <= m_capacity)
            return true;
        size_t capacity = (m_size + more) * 2 + 64;
        auto* grown = static_cast<char*>(realloc(m_data, capacity));
        if (!grown)
            return false;
        m_data = grown;
        m_capacity = capacity;
        return true;
    }
    char* m_data = nullptr;
    size_t m_size = 0, m_capacity = 0;
};

} // namespace fs
