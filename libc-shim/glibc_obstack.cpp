// glibc's obstacks (<obstack.h>): the macros compiled into programs grow objects inside the
// current chunk and call these functions for the rest, so the struct obstack and chunk
// layouts are glibc's (the header's own types are used here). Written from the documented
// behaviour: chunks come from the program's chunk function (with or without its extra
// argument), an object that outgrows its chunk moves to a new one (and the old chunk is
// freed if the object was its only content), obstack_free frees every chunk above the
// object, and a failed allocation calls obstack_alloc_failed_handler.
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <obstack.h>
#undef obstack_free // the header's macro; the function is defined here

namespace {

// glibc's defaults: objects aligned for any type, chunks of 4064 bytes (a page less room
// for the allocator's own header).
constexpr int kDefaultAlignment = alignof(std::max_align_t), kDefaultChunkSize = 4064;

/// glibc keeps the chunk functions in one pointer type whatever their real one (which
/// use_extra_arg tells); casting through void (*)() says the change of type is meant.
template<typename To, typename From> To function_cast(From function)
{
    return reinterpret_cast<To>(reinterpret_cast<void (*)()>(function));
}

void report_exhausted()
{
    fputs("memory exhausted\n", stderr);
    exit(obstack_exit_failure);
}

_obstack_chunk* allocate_chunk(obstack* h, long size)
{
    void* chunk = h->use_extra_arg ? function_cast<void* (*)(void*, long)>(h->chunkfun)(h->extra_arg, size)
                                   : function_cast<void* (*)(long)>(h->chunkfun)(size);
    if (!chunk)
        (*obstack_alloc_failed_handler)();
    return static_cast<_obstack_chunk*>(chunk);
}

void free_chunk(obstack* h, _obstack_chunk* chunk)
{
    if (h->use_extra_arg)
        function_cast<void (*)(void*, void*)>(h->freefun)(h->extra_arg, chunk);
    else
        function_cast<void (*)(void*)>(h->freefun)(chunk);
}

/// The first aligned address of `chunk`'s contents.
char* first_object(const obstack* h, _obstack_chunk* chunk)
{
    auto address = reinterpret_cast<uintptr_t>(chunk->contents);
    return reinterpret_cast<char*>((address + uintptr_t(h->alignment_mask)) & ~uintptr_t(h->alignment_mask));
}

int begin(obstack* h, int size, int alignment)
{
    h->chunk_size = size ? size : kDefaultChunkSize;
    h->alignment_mask = (alignment ? alignment : kDefaultAlignment) - 1;
    _obstack_chunk* chunk = h->chunk = allocate_chunk(h, h->chunk_size);
    h->next_free = h->object_base = first_object(h, chunk);
    h->chunk_limit = chunk->limit = reinterpret_cast<char*>(chunk) + h->chunk_size;
    chunk->prev = nullptr;
    h->maybe_empty_object = 0;
    h->alloc_failed = 0;
    return 1;
}

} // namespace

extern "C" {

void (*obstack_alloc_failed_handler)() = report_exhausted;
int obstack_exit_failure = EXIT_FAILURE;

int _obstack_begin(obstack* h, int size, int alignment, void* (*chunkfun)(long), void (*freefun)(void*))
{
    h->chunkfun = function_cast<_obstack_chunk* (*)(void*, long)>(chunkfun);
    h->freefun = function_cast<void (*)(void*, _obstack_chunk*)>(freefun);
    h->use_extra_arg = 0;
    return begin(h, size, alignment);
}

int _obstack_begin_1(
    obstack* h, int size, int alignment, void* (*chunkfun)(void*, long), void (*freefun)(void*, void*), void* arg)
{
    h->chunkfun = function_cast<_obstack_chunk* (*)(void*, long)>(chunkfun);
    h->freefun = function_cast<void (*)(void*, _obstack_chunk*)>(freefun);
    h->extra_arg = arg;
    h->use_extra_arg = 1;
    return begin(h, size, alignment);
}

/// Moves the object being built to a new chunk with room for `length` more bytes.
void _obstack_newchunk(obstack* h, int length)
{
    _obstack_chunk* old_chunk = h->chunk;
    long object_size = h->next_free - h->object_base;
    long new_size = object_size + length + (object_size >> 3) + h->alignment_mask + 100;
    if (new_size < h->chunk_size)
        new_size = h->chunk_size;
    _obstack_chunk* chunk = allocate_chunk(h, new_size);
    h->chunk = chunk;
    chunk->prev = old_chunk;
    chunk->limit = h->chunk_limit = reinterpret_cast<char*>(chunk) + new_size;
    char* object_base = first_object(h, chunk);
    memcpy(object_base, h->object_base, size_t(object_size));
    // The old chunk held only this object: it can go.
    if (!h->maybe_empty_object && h->object_base == first_object(h, old_chunk)) {
        chunk->prev = old_chunk->prev;
        free_chunk(h, old_chunk);
    }
    h->object_base = object_base;
    h->next_free = object_base + object_size;
    h->maybe_empty_object = 0;
}

/// Frees `object` and everything allocated after it (null: the whole obstack). An object
/// that is not in the obstack aborts, as glibc does.
void _obstack_free(obstack* h, void* object)
{
    _obstack_chunk* chunk = h->chunk;
    while (chunk && (static_cast<void*>(chunk) >= object || static_cast<void*>(chunk->limit) < object)) {
        _obstack_chunk* previous = chunk->prev;
        free_chunk(h, chunk);
        chunk = previous;
        h->maybe_empty_object = 1; // a new chunk may follow an empty object
    }
    if (chunk) {
        h->object_base = h->next_free = static_cast<char*>(object);
        h->chunk_limit = chunk->limit;
        h->chunk = chunk;
    } else if (object) {
        abort();
    }
}

void obstack_free(obstack* h, void* object) { _obstack_free(h, object); }

int _obstack_memory_used(obstack* h)
{
    long total = 0;
    for (_obstack_chunk* chunk = h->chunk; chunk; chunk = chunk->prev)
        total += chunk->limit - reinterpret_cast<char*>(chunk);
    return int(total);
}

int _obstack_allocated_p(obstack* h, void* object)
{
    for (_obstack_chunk* chunk = h->chunk; chunk; chunk = chunk->prev)
        if (static_cast<void*>(chunk) < object && object <= static_cast<void*>(chunk->limit))
            return 1;
    return 0;
}

/// Appends the formatted text to the object being built (no terminating NUL, as glibc).
int obstack_vprintf(obstack* h, const char* format, va_list arguments) noexcept
{
    va_list copy;
    va_copy(copy, arguments);
    int length = vsnprintf(nullptr, 0, format, copy);
    va_end(copy);
    if (length < 0)
        return length;
    if (h->chunk_limit - h->next_free < length + 1)
        _obstack_newchunk(h, length + 1);
    vsnprintf(h->next_free, size_t(length) + 1, format, arguments);
    h->next_free += length;
    return length;
}

int obstack_printf(obstack* h, const char* format, ...) noexcept
{
    va_list arguments;
    va_start(arguments, format);
    int length = obstack_vprintf(h, format, arguments);
    va_end(arguments);
    return length;
}

// FORTIFY's versions (glibc 2.8): `flag` asks for the %n checks glibc's printf makes;
// musl's printf has no such mode, so it is ignored, as the other printf _chk functions do.
int __obstack_vprintf_chk(obstack* h, int flag, const char* format, va_list arguments) noexcept
{
    (void)flag;
    return obstack_vprintf(h, format, arguments);
}

int __obstack_printf_chk(obstack* h, int flag, const char* format, ...) noexcept
{
    (void)flag;
    va_list arguments;
    va_start(arguments, format);
    int length = obstack_vprintf(h, format, arguments);
    va_end(arguments);
    return length;
}

} // extern "C"
