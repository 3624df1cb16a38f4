// Dynamic TLS (libc_shim/dynamic_tls.h): a dlopen'ed module that found no room in the
// static TLS surplus has a block per thread, made when the thread first asks for it
// (__tls_get_addr, a dynamic TLSDESC, dlsym of one of its variables), as glibc makes them.
// Each thread keeps a table indexed by module id (glibc's DTV; musl's own DTV describes
// only static TLS) behind a pthread key: the table grows when a higher id is asked for,
// and it and its blocks are freed when the thread exits, after the keys' destructors
// (thread_local destructors and the program's own may still read dynamic TLS): the key's
// destructor sets the key again the first time, so the table lives through musl's first
// pass over the keys, where their destructors run, and frees it in the next. glibc frees
// the DTV after all passes; here a destructor that first runs in a later pass, after this
// key's, sees a fresh block, and a table first made in musl's last two passes leaks.
//
// A module id is used again after dlclose, with a new generation
// (osprey_tls_module::generation). A thread's block of an older generation belongs to the
// unloaded module: it is freed when the thread next asks for the id, or at its exit, as
// glibc frees such blocks lazily (no thread's table is touched by another thread).
#include <libc_shim/dynamic_tls.h>
#include <libc_shim/static_tls.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

namespace libc_shim {

namespace {

struct Slot {
    void* allocation;     // what to free (the block starts `first byte` into it)
    unsigned char* block; // the module's block for this thread
    uint64_t generation;  // the module generation it was made for (0: none)
};

/// A thread's table: a header, then `capacity` slots (module ids 1 to capacity).
struct Table {
    size_t capacity;
    unsigned exit_passes; // the key's destructor calls so far, at thread exit
    Slot* slots() { return reinterpret_cast<Slot*>(this + 1); }
};

// Written once at boot, before any thread exists; read-only afterwards.
constinit pthread_key_t g_key;

void free_table(void* value)
{
    auto* table = static_cast<Table*>(value);
    for (size_t i = 0; i < table->capacity; ++i)
        free(table->slots()[i].allocation);
    free(table);
}

[[noreturn]] void out_of_memory()
{
    fputs("cannot allocate memory for thread-local data: ABORT\n", stderr); // glibc's words
    abort();
}

/// The calling thread's table, with a slot for `module`.
Table& table_with(size_t module)
{
    auto* table = static_cast<Table*>(pthread_getspecific(g_key));
    size_t capacity = table ? table->capacity : 0;
    if (module <= capacity)
        return *table;
    size_t wanted = capacity * 2 > module ? capacity * 2 : module;
    size_t count = osprey_program_static_tls()->count;
    wanted = wanted > count ? wanted : count;
    auto* grown = static_cast<Table*>(calloc(1, sizeof(Table) + wanted * sizeof(Slot)));
    if (!grown)
        out_of_memory();
    grown->capacity = wanted;
    if (table) {
        memcpy(grown->slots(), table->slots(), capacity * sizeof(Slot));
        grown->exit_passes = table->exit_passes;
        free(table);
    }
    pthread_setspecific(g_key, grown);
    return *grown;
}

/// The key's destructor at thread exit: keeps the table through the pass over the keys it
/// is first called in, and frees it in the next.
void keep_table_one_pass(void* value)
{
    auto* table = static_cast<Table*>(value);
    if (++table->exit_passes == 1)
        pthread_setspecific(g_key, table);
    else
        free_table(table);
}

} // namespace

void init_dynamic_tls() { (void)pthread_key_create(&g_key, keep_table_one_pass); }

} // namespace libc_shim

using libc_shim::Slot;

extern "C" {

void* osprey_dynamic_tls_block(size_t module)
{
    const osprey_tls_module& m = osprey_program_static_tls()->modules[module - 1];
    Slot& slot = libc_shim::table_with(module).slots()[module - 1];
    if (slot.generation == m.generation)
        return slot.block;
    free(slot.allocation); // the block of the id's earlier module, if any
    // The block's start must be congruent to p_vaddr modulo p_align, as the image is.
    size_t align = m.align > sizeof(void*) ? m.align : sizeof(void*);
    size_t first_byte = reinterpret_cast<uintptr_t>(m.image) & (align - 1);
    size_t size = (first_byte + m.memsz + align - 1) & ~(align - 1);
    auto* allocation = static_cast<unsigned char*>(aligned_alloc(align, size ? size : align));
    if (!allocation)
        libc_shim::out_of_memory();
    unsigned char* block = allocation + first_byte;
    memcpy(block, m.image, m.filesz);
    memset(block + m.filesz, 0, m.memsz - m.filesz);
    slot = { allocation, block, m.generation };
    return block;
}

void* osprey_dynamic_tls_peek(size_t module)
{
    auto* table = static_cast<libc_shim::Table*>(pthread_getspecific(libc_shim::g_key));
    if (!table || module > table->capacity)
        return nullptr;
    const Slot& slot = table->slots()[module - 1];
    return slot.generation == osprey_program_static_tls()->modules[module - 1].generation ? slot.block : nullptr;
}

} // extern "C"
