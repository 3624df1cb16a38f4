// The classic netdb and passwd calls (getprotoent, getpwent, ...) return one entry the
// program shares; each is its get*_r twin into a buffer that grows until the entry fits,
// as glibc's do. Like glibc's, they are not thread-safe: each call site of shared_entry
// has its own entry and buffer.
#pragma once

#include <cerrno>
#include <cstdlib>

namespace libc_shim {

/// `call(entry, buffer, size, &result)` (a get*_r call) into this call site's entry;
/// the entry, or null (errno set when it failed, not when there was none).
template<typename Entry, typename Call> Entry* shared_entry(Call call)
{
    static Entry entry;
    static char* buffer;
    static size_t size;
    for (;;) {
        Entry* result = nullptr;
        int error = buffer ? call(&entry, buffer, size, &result) : ERANGE;
        if (error != ERANGE) {
            if (error && error != ENOENT)
                errno = error;
            return result;
        }
        size_t grown = size ? size * 2 : 1024;
        auto* larger = static_cast<char*>(realloc(buffer, grown));
        if (!larger) {
            errno = ENOMEM;
            return nullptr;
        }
        buffer = larger;
        size = grown;
    }
}

} // namespace libc_shim
