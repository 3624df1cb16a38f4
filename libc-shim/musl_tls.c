/* Static TLS for every module of the program, not only the executable.
 *
 * musl's static libc sets up one TLS module, the executable's PT_TLS found through
 * AT_PHDR (src/env/__init_tls.c, static_init_tls, a weak __init_tls). Osprey's linker
 * loads shared libraries too, and lays out all of their PT_TLS blocks below the thread
 * pointer (linker/tls.h): this strong __init_tls gives musl that layout instead, as the
 * list of tls_module records its __copy_tls walks. So the main thread here, and every
 * thread pthread_create makes later (it sizes its memory by libc.tls_size and copies the
 * same list), gets each module's .tdata at the offset the relocations used, .tbss zeroed,
 * and a DTV (dtv[0] = count, dtv[i] = module i's block), which musl keeps though
 * osprey_tls_get_addr (below, the exported __tls_get_addr) never reads it.
 *
 * Called by __init_libc, once for the kernel at boot (no modules: just the struct pthread)
 * and once for the program by __libc_start_main. The memory is one anonymous mapping:
 * the DTV, the blocks, the struct pthread, then the tls_module records. It is the
 * thread's for good: the main thread never exits before the VM does. */
#include "pthread_impl.h"
#include "libc.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <libc_shim/static_tls.h>

#define MIN_TLS_ALIGN _Alignof(struct pthread)

/* PT_GNU_STACK's p_memsz sets the default thread stack size, as musl's static start-up
 * does (glibc honours it as well). */
static void default_stack_size_from_headers(const size_t* aux)
{
    const unsigned char* p = (const void*)aux[AT_PHDR];
    for (size_t n = aux[AT_PHNUM]; p && n; n--, p += aux[AT_PHENT]) {
        const Elf64_Phdr* phdr = (const void*)p;
        if (phdr->p_type == PT_GNU_STACK && phdr->p_memsz > __default_stacksize)
            __default_stacksize = phdr->p_memsz < DEFAULT_STACK_MAX ? phdr->p_memsz : DEFAULT_STACK_MAX;
    }
}

/* Threads' TLS size: the DTV (room for every module a program may have), the blocks and
 * the surplus, the struct pthread, and room to align the thread pointer (musl ldso's
 * formula). */
static size_t thread_tls_size(const struct osprey_static_tls* tls, size_t align)
{
    size_t size = (1 + OSPREY_MAX_TLS_MODULES) * sizeof(void*) + tls->capacity + sizeof(struct pthread) + 2 * align;
    return (size + MIN_TLS_ALIGN - 1) & -MIN_TLS_ALIGN;
}

/* musl's record of module `m` (offsets are positive below the thread pointer there). */
static struct tls_module record_of(const struct osprey_tls_module* m)
{
    return (struct tls_module) {
        .image = (void*)m->image, .len = m->filesz, .size = m->memsz, .align = m->align, .offset = (size_t)-m->offset
    };
}

void __init_tls(size_t* aux)
{
    const struct osprey_static_tls* tls = osprey_program_static_tls();
    size_t align = tls->align > MIN_TLS_ALIGN ? tls->align : MIN_TLS_ALIGN;
    default_stack_size_from_headers(aux);
    libc.tls_align = align;
    libc.tls_cnt = tls->count;
    libc.tls_size = thread_tls_size(tls, align);

    size_t records = tls->count * sizeof(struct tls_module);
    /* musl's mmap (built with the overlay that calls the kernel): this unit's own view of
     * syscall_arch.h would be the `syscall` instruction. */
    unsigned char* mem = mmap(0, libc.tls_size + records, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED)
        a_crash(); /* no memory for the first thread: nothing can run */

    struct tls_module *list = (void*)(mem + libc.tls_size), **link = &libc.tls_head;
    for (size_t i = 0; i < tls->count; i++) {
        const struct osprey_tls_module* m = &tls->modules[i];
        list[i] = record_of(m);
        *link = &list[i];
        link = &list[i].next;
    }
    *link = 0;
    if (__init_tp(__copy_tls(mem)) < 0)
        a_crash();
}

/* The TLS module list (libc.tls_head, libc.tls_cnt) is read by pthread_create, which
 * builds the new thread's blocks from it (__copy_tls) between __acquire_ptc and
 * __release_ptc: weak no-ops in a static musl, whose list never changes. Here dlopen adds
 * to it and dlclose removes from it (and frees records), so they change it with
 * this lock held for writing (as musl's own dynamic linker does with __inhibit_ptc), and a
 * thread is never made from half a list, nor after the list changed but before the
 * existing threads' blocks were made. The lock belongs to that list; it is taken in the
 * kernel section, where blocking on it lets the big lock go. */
static pthread_rwlock_t tls_list_lock = PTHREAD_RWLOCK_INITIALIZER;

void __acquire_ptc(void) { pthread_rwlock_rdlock(&tls_list_lock); }
void __release_ptc(void) { pthread_rwlock_unlock(&tls_list_lock); }
void __inhibit_ptc(void) { pthread_rwlock_wrlock(&tls_list_lock); }

void osprey_static_tls_add(const struct osprey_tls_module* m)
{
    struct tls_module* record = malloc(sizeof *record);
    if (!record)
        a_crash(); /* the linker checked the layout; a few bytes of memory are missing */
    *record = record_of(m);
    __inhibit_ptc();
    struct tls_module** link = &libc.tls_head;
    while (*link)
        link = &(*link)->next;
    *link = record;
    libc.tls_cnt++;
    /* Threads made from now on copy the block from the record (__copy_tls); every thread
     * that already exists gets it here, in the static TLS surplus it already has. */
    __tl_lock();
    pthread_t self = __pthread_self(), thread = self;
    do {
        unsigned char* block = (unsigned char*)thread + m->offset;
        memcpy(block, m->image, m->filesz);
        memset(block + m->filesz, 0, m->memsz - m->filesz);
        thread = thread->next;
    } while (thread != self);
    __tl_unlock();
    __release_ptc();
}

void osprey_static_tls_remove(const struct osprey_tls_module* m)
{
    __inhibit_ptc();
    struct tls_module** link = &libc.tls_head;
    while (*link && !((*link)->image == m->image && (*link)->offset == (size_t)-m->offset))
        link = &(*link)->next;
    struct tls_module* record = *link;
    if (record) { /* else never added: the module's dlopen failed before its TLS started */
        *link = record->next;
        libc.tls_cnt--;
    }
    __release_ptc();
    free(record); /* osprey_static_tls_add's: only dlopen'ed modules are ever removed */
}

/* __tls_get_addr (the x86-64 psABI's general-dynamic access, exported as glibc's): a
 * module in static TLS has its block at the thread pointer plus its offset; one in
 * dynamic TLS has a block per thread, made on first use (dynamic_tls.cpp). */
void* osprey_tls_get_addr(const size_t* module_and_offset)
{
    const struct osprey_static_tls* tls = osprey_program_static_tls();
    size_t module = module_and_offset[0];
    if (module == 0 || module > tls->count)
        a_crash(); /* a DTPMOD64 the linker never wrote */
    const struct osprey_tls_module* m = &tls->modules[module - 1];
    if (m->generation)
        return (unsigned char*)osprey_dynamic_tls_block(module) + module_and_offset[1];
    return (unsigned char*)__pthread_self() + m->offset + module_and_offset[1];
}

/* The dynamic TLSDESC resolver's slow part (tlsdesc.S saved every register): the
 * variable's address minus the thread pointer. */
intptr_t osprey_tlsdesc_dynamic_offset(uint64_t argument)
{
    size_t module_and_offset[2] = { argument >> 48, argument & ((1ull << 48) - 1) };
    return (intptr_t)osprey_tls_get_addr(module_and_offset) - (intptr_t)__pthread_self();
}
