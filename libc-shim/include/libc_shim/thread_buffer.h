// A text buffer of the calling thread's, for libc calls that return text the caller does
// not free (strerror's "Unknown error N", strsignal's "Unknown signal N"): glibc keeps
// such buffers per thread. One buffer per thread and per Tag, malloc'd on first use and
// freed when the thread ends.
#pragma once

#include <pthread.h>

#include <cstddef>
#include <cstdlib>

namespace libc_shim {

/// The calling thread's `Size`-byte buffer for `Tag`; null when memory is short.
template<size_t Size, typename Tag> char* thread_buffer()
{
    // The key: made once, then only read.
    static constinit pthread_once_t once = PTHREAD_ONCE_INIT;
    static constinit pthread_key_t key;
    static constinit bool have_key = false;
    pthread_once(&once, [] { have_key = pthread_key_create(&key, free) == 0; });
    if (!have_key)
        return nullptr;
    auto* buffer = static_cast<char*>(pthread_getspecific(key));
    if (!buffer) {
        buffer = static_cast<char*>(malloc(Size));
        if (buffer && pthread_setspecific(key, buffer) != 0) {
            free(buffer);
            buffer = nullptr;
        }
    }
    return buffer;
}

} // namespace libc_shim
