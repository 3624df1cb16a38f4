#include <libc_shim/line_database.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace libc_shim {

void* EntryBuffer::bytes(size_t count, size_t alignment)
{
    size_t skip = (alignment - reinterpret_cast<uintptr_t>(m_next) % alignment) % alignment;
    if (!m_fits || skip > m_left || count > m_left - skip) {
        m_fits = false;
        return nullptr;
    }
    void* start = m_next + skip;
    m_next += skip + count;
    m_left -= skip + count;
    return start;
}

char* EntryBuffer::copy(std::string_view text)
{
    auto* out = static_cast<char*>(bytes(text.size() + 1, 1));
    if (!out)
        return nullptr;
    memcpy(out, text.data(), text.size());
    out[text.size()] = 0;
    return out;
}

char** EntryBuffer::copy_list(char* const* words, size_t count)
{
    auto** list = static_cast<char**>(bytes((count + 1) * sizeof(char*), alignof(char*)));
    for (size_t i = 0; list && i < count; ++i)
        list[i] = copy(words[i]);
    if (list)
        list[count] = nullptr;
    return fits() ? list : nullptr;
}

size_t split_fields(char* line, char** fields, size_t capacity)
{
    size_t count = 0;
    for (char* p = line; count < capacity;) {
        fields[count++] = p;
        if (count == capacity || !(p = strchr(p, ':')))
            break;
        *p++ = 0;
    }
    return count;
}

bool WordList::split(char* line, const char* separators, bool comments)
{
    if (comments)
        if (char* comment = strchr(line, '#'))
            *comment = 0;
    size_t most = 1; // words are at most one more than the separators
    for (const char* p = line; *p; ++p)
        most += strchr(separators, *p) != nullptr;
    free(m_words);
    m_count = 0;
    m_words = static_cast<char**>(malloc((most + 1) * sizeof(char*)));
    if (!m_words)
        return false;
    for (char* p = line;;) {
        p += strspn(p, separators);
        if (!*p)
            break;
        m_words[m_count++] = p;
        p += strcspn(p, separators);
        if (*p)
            *p++ = 0;
    }
    m_words[m_count] = nullptr;
    return true;
}

FILE* LineDatabase::open() const
{
    if (FILE* file = fopen(m_path, "re"))
        return file;
    if (!m_builtin || errno != ENOENT)
        return nullptr;
    return fmemopen(const_cast<char*>(m_builtin), strlen(m_builtin), "r");
}

int LineDatabase::read_next(FILE* stream, LineParser parse, char* buffer, size_t size, void* entry, const void* key)
{
    char* line = nullptr;
    size_t capacity = 0;
    int result = ENOENT;
    for (;;) {
        off_t start = ftello(stream);
        ssize_t length = getline(&line, &capacity, stream);
        if (length < 0)
            break;
        if (length && line[length - 1] == '\n')
            line[length - 1] = 0;
        EntryBuffer out(buffer, size);
        LineResult parsed = parse(line, out, entry, key);
        if (parsed == LineResult::Skip)
            continue;
        result = parsed == LineResult::Entry ? 0 : ERANGE;
        if (result == ERANGE)
            fseeko(stream, start, SEEK_SET);
        break;
    }
    free(line);
    return result;
}

void LineDatabase::restart()
{
    m_enumeration.with([&](Enumeration& enumeration) {
        if (enumeration.stream)
            rewind(enumeration.stream);
    });
}

void LineDatabase::end()
{
    m_enumeration.with([&](Enumeration& enumeration) {
        if (enumeration.stream)
            fclose(enumeration.stream);
        enumeration.stream = nullptr;
    });
}

int LineDatabase::next(LineParser parse, char* buffer, size_t size, void* entry, const void* key)
{
    return m_enumeration.with([&](Enumeration& enumeration) {
        if (!enumeration.stream)
            enumeration.stream = open();
        if (!enumeration.stream)
            return ENOENT;
        return read_next(enumeration.stream, parse, buffer, size, entry, key);
    });
}

int LineDatabase::find(LineParser parse, char* buffer, size_t size, void* entry, const void* key) const
{
    FILE* stream = open();
    if (!stream)
        return ENOENT;
    int result = read_next(stream, parse, buffer, size, entry, key);
    fclose(stream);
    return result;
}

} // namespace libc_shim
