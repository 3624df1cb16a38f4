// glibc's argz vectors (<argz.h>): a string list kept as one buffer of NUL-terminated
// strings and its total length. musl has none; programs that import them (measured:
// argz_append, argz_create_sep, argz_insert, argz_stringify) get glibc's behaviour:
// functions that allocate return ENOMEM (an error_t) and leave the vector as it was.
#include <argz.h>
#include <cerrno>
#include <cstdlib>
#include <cstring>

extern "C" {

error_t argz_append(char** argz, size_t* argz_len, const char* buf, size_t buf_len) noexcept
{
    auto* grown = static_cast<char*>(realloc(*argz, *argz_len + buf_len));
    if (!grown && *argz_len + buf_len)
        return ENOMEM;
    memcpy(grown + *argz_len, buf, buf_len);
    *argz = grown;
    *argz_len += buf_len;
    return 0;
}

error_t argz_add(char** argz, size_t* argz_len, const char* str) noexcept
{
    return argz_append(argz, argz_len, str, strlen(str) + 1);
}

/// Splits `string` at each `delimiter` into a new vector; empty pieces are dropped.
error_t argz_create_sep(const char* string, int delimiter, char** argz, size_t* argz_len) noexcept
{
    size_t length = strlen(string);
    auto* out = static_cast<char*>(malloc(length + 1));
    if (!out)
        return ENOMEM;
    size_t used = 0;
    for (const char* p = string; *p;) {
        const char* end = strchrnul(p, delimiter);
        if (end > p) {
            memcpy(out + used, p, size_t(end - p));
            used += size_t(end - p);
            out[used++] = 0;
        }
        p = *end ? end + 1 : end;
    }
    if (used == 0) {
        free(out);
        out = nullptr;
    }
    *argz = out;
    *argz_len = used;
    return 0;
}

error_t argz_add_sep(char** argz, size_t* argz_len, const char* string, int delimiter) noexcept
{
    char* pieces;
    size_t length;
    if (error_t e = argz_create_sep(string, delimiter, &pieces, &length))
        return e;
    error_t e = argz_append(argz, argz_len, pieces, length);
    free(pieces);
    return e;
}

size_t argz_count(const char* argz, size_t argz_len) noexcept
{
    size_t count = 0;
    for (size_t i = 0; i < argz_len; ++i)
        count += argz[i] == 0;
    return count;
}

char* argz_next(const char* argz, size_t argz_len, const char* entry) noexcept
{
    if (!entry)
        return argz_len ? const_cast<char*>(argz) : nullptr;
    const char* next = entry + strlen(entry) + 1;
    return next < argz + argz_len ? const_cast<char*>(next) : nullptr;
}

/// Inserts `entry` before `before` (an entry of the vector; null: at the end). EINVAL if
/// `before` is not inside the vector.
error_t argz_insert(char** argz, size_t* argz_len, char* before, const char* entry) noexcept
{
    if (!before)
        return argz_add(argz, argz_len, entry);
    if (before < *argz || before >= *argz + *argz_len)
        return EINVAL;
    while (before > *argz && before[-1]) // glibc moves back to the start of the entry
        --before;
    size_t offset = size_t(before - *argz), length = strlen(entry) + 1;
    auto* grown = static_cast<char*>(realloc(*argz, *argz_len + length));
    if (!grown)
        return ENOMEM;
    memmove(grown + offset + length, grown + offset, *argz_len - offset);
    memcpy(grown + offset, entry, length);
    *argz = grown;
    *argz_len += length;
    return 0;
}

/// Joins the entries with `separator` in place (the NULs between entries become it).
void argz_stringify(char* argz, size_t argz_len, int separator) noexcept
{
    for (size_t i = 0; argz_len && i + 1 < argz_len; ++i)
        if (argz[i] == 0)
            argz[i] = char(separator);
}

} // extern "C"
