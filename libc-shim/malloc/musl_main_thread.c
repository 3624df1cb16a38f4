/* The main thread's pthread keys across the one change of its thread pointer.
 *
 * Boot initialises musl for the kernel (struct pthread A at %fs); __libc_start_main
 * initialises it again for the program, whose static TLS needs a new struct pthread B
 * (musl src/env/__init_tls.c: __copy_tls then __init_tp). __init_tp sets B's self, tid,
 * locale and list links but not `tsd`, the array pthread_getspecific reads: B->tsd is NULL
 * when B was mapped, or stale bytes of A when B reuses musl's builtin_tls buffer. It is the
 * same thread of execution, so it keeps the main thread's key values: musl's own array for
 * the main thread, __pthread_tsd_main (src/thread/pthread_key_create.c). mimalloc keeps its
 * default heap in a key (MI_TLS_PTHREAD), so this must run before the next malloc. */
#include "pthread_impl.h"
#include <string.h>

void osprey_musl_keep_main_thread_keys(void)
{
    struct pthread* self = __pthread_self();
    self->tsd = (void**)__pthread_tsd_main;
    self->tsd_used = 1;
}

/* For ktest=malloc: moves the calling thread to a copy of its struct pthread at `memory`
 * (osprey_musl_thread_size() bytes, 16-byte aligned) and installs it as the thread
 * pointer, leaving `tsd` NULL, as a fresh struct pthread from __init_tp has it. */
size_t osprey_musl_thread_size(void) { return sizeof(struct pthread); }

void osprey_musl_move_thread(void* memory)
{
    struct pthread* copy = memory;
    memcpy(copy, __pthread_self(), sizeof *copy);
    copy->self = copy;
    copy->tsd = 0;
    __set_thread_area(copy);
}
