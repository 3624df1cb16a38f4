// libc functions that hand the caller memory to free, when the program brings its own
// allocator. glibc's own malloc calls go through the global scope, so when an executable or
// library defines malloc/free/realloc (jemalloc: redis, varnish, named, kresd, nghttpd),
// strdup's result is jemalloc's and the program's free() takes it back. musl's strdup calls
// the kernel's mimalloc directly: jemalloc's free() then read mimalloc's block as its own
// and crashed (named, kresd, varnishd: SIGSEGV in libjemalloc's free).
//
// So these exported functions (overrides.txt) allocate what they return with the program's
// allocator when there is one (ProgramStartup::allocator, found at start-up), and otherwise
// are musl's. Memory that stays inside the libc (FILE buffers, getaddrinfo's lists, regex
// programs) keeps mimalloc: the libc frees it too.
// KNOWN LIMIT: open_memstream, scandir and glob's results still come from mimalloc.
#include <libc_shim/dynamic_loading.h>
#include <libc_shim/exports.h>
#include <libc_shim/program_memory.h>
#include <libc_shim/startup.h>

#include <cerrno>
#include <climits>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cwchar>
#include <unistd.h>

namespace libc_shim {

namespace {

const ProgramAllocator* interposed()
{
    return program_startup().allocator.malloc ? &program_startup().allocator : nullptr;
}

/// `size` bytes from the program's allocator (which sets errno on failure, as malloc does).
void* program_malloc(size_t size) { return program_startup().allocator.malloc(size); }

/// A copy of `size` bytes at `data` in the program's allocator.
void* program_copy(const void* data, size_t size)
{
    void* copy = program_malloc(size);
    if (copy)
        memcpy(copy, data, size);
    return copy;
}

} // namespace

void find_program_allocator()
{
    auto interposes = [](const char* name) -> void* {
        void* found = global_definition(name);
        const ExportEntry* own = find_export(name, "GLIBC_2.2.5");
        return found && own && reinterpret_cast<uint64_t>(found) != own->address ? found : nullptr;
    };
    ProgramAllocator allocator {};
    allocator.malloc = reinterpret_cast<void* (*)(size_t)>(interposes("malloc"));
    allocator.realloc = reinterpret_cast<void* (*)(void*, size_t)>(interposes("realloc"));
    allocator.free = reinterpret_cast<void (*)(void*)>(interposes("free"));
    if (allocator.malloc && allocator.realloc && allocator.free) // a whole allocator, or none
        program_startup().allocator = allocator;
}

void* program_realloc(void* block, size_t size)
{
    return interposed() ? program_startup().allocator.realloc(block, size) : realloc(block, size);
}

void program_free(void* block)
{
    if (interposed())
        program_startup().allocator.free(block);
    else
        free(block);
}

} // namespace libc_shim

using libc_shim::interposed;
using libc_shim::program_copy;
using libc_shim::program_malloc;

extern "C" {

char* osprey_strdup(const char* s)
{
    return interposed() ? static_cast<char*>(program_copy(s, strlen(s) + 1)) : strdup(s);
}

char* osprey_strndup(const char* s, size_t n)
{
    if (!interposed())
        return strndup(s, n);
    size_t length = strnlen(s, n);
    auto* copy = static_cast<char*>(program_malloc(length + 1));
    if (copy) {
        memcpy(copy, s, length);
        copy[length] = '\0';
    }
    return copy;
}

wchar_t* osprey_wcsdup(const wchar_t* s)
{
    return interposed() ? static_cast<wchar_t*>(program_copy(s, (wcslen(s) + 1) * sizeof(wchar_t))) : wcsdup(s);
}

int osprey_vasprintf(char** out, const char* format, va_list arguments)
{
    if (!interposed())
        return vasprintf(out, format, arguments);
    va_list again;
    va_copy(again, arguments);
    int length = vsnprintf(nullptr, 0, format, arguments);
    if (length < 0) {
        va_end(again);
        return -1;
    }
    *out = static_cast<char*>(program_malloc(size_t(length) + 1));
    int written = *out ? vsnprintf(*out, size_t(length) + 1, format, again) : -1;
    va_end(again);
    return written;
}

int osprey_asprintf(char** out, const char* format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    int result = osprey_vasprintf(out, format, arguments);
    va_end(arguments);
    return result;
}

/// getdelim(3) into the program's buffer: musl reads the line into a buffer of its own,
/// which is then copied into *line, grown with the program's realloc as glibc grows it.
ssize_t osprey_getdelim(char** line, size_t* capacity, int delimiter, FILE* stream)
{
    if (!interposed())
        return getdelim(line, capacity, delimiter, stream);
    if (!line || !capacity) {
        errno = EINVAL;
        return -1;
    }
    char* read = nullptr;
    size_t read_capacity = 0;
    ssize_t length = getdelim(&read, &read_capacity, delimiter, stream);
    if (length >= 0 && (!*line || *capacity < size_t(length) + 1)) {
        void* grown = libc_shim::program_startup().allocator.realloc(*line, size_t(length) + 1);
        if (!grown) {
            free(read);
            errno = ENOMEM;
            return -1;
        }
        *line = static_cast<char*>(grown);
        *capacity = size_t(length) + 1;
    }
    if (length >= 0)
        memcpy(*line, read, size_t(length) + 1);
    free(read);
    return length;
}

ssize_t osprey_getline(char** line, size_t* capacity, FILE* stream)
{
    return osprey_getdelim(line, capacity, '\n', stream);
}

char* osprey_realpath(const char* path, char* resolved)
{
    if (resolved || !interposed())
        return realpath(path, resolved);
    char buffer[PATH_MAX];
    return realpath(path, buffer) ? osprey_strdup(buffer) : nullptr;
}

char* osprey_canonicalize_file_name(const char* path) { return osprey_realpath(path, nullptr); }

char* osprey_getcwd(char* buffer, size_t size)
{
    if (buffer || !interposed())
        return getcwd(buffer, size);
    char path[PATH_MAX];
    if (!getcwd(path, sizeof(path)))
        return nullptr;
    if (size != 0 && strlen(path) + 1 > size) { // glibc: a NULL buffer of `size` bytes
        errno = ERANGE;
        return nullptr;
    }
    return osprey_strdup(path);
}

char* osprey_get_current_dir_name() { return osprey_getcwd(nullptr, 0); }

} // extern "C"
