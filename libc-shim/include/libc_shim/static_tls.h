/* The program's static TLS, as the kernel's ELF linker laid it out (linker/tls.h), for
 * libc-shim's musl glue (musl_tls.c), which gives every thread musl makes a block per
 * module at these offsets. C and C++.
 *
 * Every module loaded at start is in static TLS: each thread's TLS area keeps a surplus
 * below their blocks, and a dlopen'ed module with PT_TLS takes its block from it when it
 * fits (osprey_static_tls_add), so __tls_get_addr is the thread pointer plus the module's
 * offset. A module that does not fit gets dynamic TLS (dynamic_tls.cpp): blocks made per
 * thread on first use, found through a per-thread table that grows with the module ids.
 *
 * x86-64 variant II: module i's block starts at thread pointer + offset (negative), where
 * the thread pointer is musl's struct pthread (glibc's TCB for what programs read). Module
 * ids are 1-based indices into `modules`: the executable first if it has PT_TLS, then the
 * libraries that have one, in load order, then dlopen'ed ones in the lowest free slot (a
 * slot dlclose freed is all zero); `count` is the highest id in use. */
#ifndef OSPREY_LIBC_SHIM_STATIC_TLS_H
#define OSPREY_LIBC_SHIM_STATIC_TLS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct osprey_tls_module {
    const void* image; /* run-time address of the initialisation image (.tdata) */
    size_t filesz;     /* bytes of the image; the rest up to memsz (.tbss) is zero */
    size_t memsz;
    size_t align;
    int64_t offset; /* thread-pointer offset of the block (negative); 0 for dynamic TLS */
    /* 0: the module is in static TLS at `offset`. Otherwise it is in dynamic TLS (dlopen
     * found no room in the surplus): each thread's block is made when the thread first
     * asks for it (osprey_tls_get_addr), and a thread's block of an older generation (this
     * id's earlier module, since unloaded) is freed then. */
    uint64_t generation;
};

struct osprey_static_tls {
    const struct osprey_tls_module* modules;
    size_t count;
    size_t size;     /* bytes below the thread pointer the blocks of the start-up modules use */
    size_t align;    /* the thread pointer's alignment */
    size_t capacity; /* bytes below the thread pointer every thread has: size + surplus */
};

/* Most modules with TLS a program can have (loaded at start and by dlopen). */
#define OSPREY_MAX_TLS_MODULES 64
/* The static TLS surplus for dlopen'ed modules, in bytes (pages nobody touches cost nothing). */
#define OSPREY_STATIC_TLS_SURPLUS 65536

/* Adds a dlopen'ed module laid out in the surplus (already counted in the program's
 * layout): musl's threads made from now on get its block, and the block of every thread
 * that exists is initialised now (under musl's thread-list lock). musl_tls.c. */
void osprey_static_tls_add(const struct osprey_tls_module* module);

/* Takes a module added by osprey_static_tls_add out again, when dlclose unloads it:
 * threads made from now on get no block for it (musl_tls.c). */
void osprey_static_tls_remove(const struct osprey_tls_module* module);

/* The program's layout; count 0 (no TLS) before the linker has loaded a program, which is
 * what the kernel's own musl initialisation sees. */
const struct osprey_static_tls* osprey_program_static_tls(void);

/* The R_X86_64_TLSDESC resolver for static TLS: called with %rax at the descriptor, it
 * returns the descriptor's second word (the thread-pointer offset) and preserves every
 * other register (libc-shim/tlsdesc.S). */
void osprey_tlsdesc_static(void);
/* The one for dynamic TLS: the descriptor's second word holds the module id and the
 * variable's offset (linker/reloc.h, tlsdesc_dynamic_argument); it returns the calling
 * thread's variable's address minus the thread pointer, making the block if need be. */
void osprey_tlsdesc_dynamic(void);

/* The calling thread's block of dynamic-TLS module `module` (its current generation),
 * made and initialised on first use. Kills the program when memory is short, as glibc's
 * __tls_get_addr does. dynamic_tls.cpp. */
void* osprey_dynamic_tls_block(size_t module);
/* The calling thread's block of dynamic-TLS module `module` if it has one, else null
 * (dl_iterate_phdr's dlpi_tls_data). */
void* osprey_dynamic_tls_peek(size_t module);

#ifdef __cplusplus
}
#endif

#endif
