/* The program's static TLS, as the kernel's ELF linker laid it out (linker/tls.h), for
 * libc-shim's musl glue (musl_tls.c), which gives every thread musl makes a block per
 * module at these offsets and a DTV that __tls_get_addr reads. C and C++.
 *
 * x86-64 variant II: module i's block starts at thread pointer + offset (negative), where
 * the thread pointer is musl's struct pthread (glibc's TCB for what programs read). Module
 * ids are 1-based positions in `modules`: the executable first if it has PT_TLS, then the
 * libraries that have one, in load order. */
#ifndef OSPREY_LIBC_SHIM_STATIC_TLS_H
#define OSPREY_LIBC_SHIM_STATIC_TLS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct osprey_tls_module {
	const void *image; /* run-time address of the initialisation image (.tdata) */
	size_t filesz;     /* bytes of the image; the rest up to memsz (.tbss) is zero */
	size_t memsz;
	size_t align;
	int64_t offset;    /* thread-pointer offset of the block (negative) */
};

struct osprey_static_tls {
	const struct osprey_tls_module *modules;
	size_t count;
	size_t size;  /* bytes below the thread pointer the blocks use */
	size_t align; /* the thread pointer's alignment */
};

/* The program's layout; count 0 (no TLS) before the linker has loaded a program, which is
 * what the kernel's own musl initialisation sees. */
const struct osprey_static_tls *osprey_program_static_tls(void);

/* The R_X86_64_TLSDESC resolver for static TLS: called with %rax at the descriptor, it
 * returns the descriptor's second word (the thread-pointer offset) and preserves every
 * other register (libc-shim/tlsdesc.S). */
void osprey_tlsdesc_static(void);

#ifdef __cplusplus
}
#endif

#endif
