/* Kernel service threads (sched::become_kernel_service: the network thread) start as musl
 * threads, for a thread pointer, errno and a stack, but must not stay in musl's list of the
 * program's threads. musl walks that list to apply a change to every thread (__synccall:
 * setuid, setgid, setgroups, and its membarrier fallback signal each listed thread and wait
 * for its answer), and a kernel service blocks every signal and never answers: mosquitto's
 * setgroups hung for good once the network had started.
 *
 * Unlinking is what pthread_exit does at its end (src/thread/pthread_create.c), without
 * letting libc.need_locks drop: kernel code keeps taking musl's locks. A thread taken out
 * of the list must never return through pthread_exit. */
#include "pthread_impl.h"

/* Declared for C++ in libc_shim/kernel.h. */
void osprey_leave_program_threads(void);
void osprey_end_kernel_libc_thread(uintptr_t* base, size_t* size);

void osprey_leave_program_threads(void)
{
    struct pthread* self = __pthread_self();
    __tl_lock();
    if (self->next != self) {
        --libc.threads_minus_1;
        self->next->prev = self->prev;
        self->prev->next = self->next;
        self->prev = self->next = self;
    }
    __tl_unlock();
}

/* The end of a thread taken out of the list that runs the program's code (a thread made
 * by clone through the syscall instruction): its pthread keys' destructors run (mimalloc's
 * gives its heap back), and the mapping musl made for it (stack, TLS, thread block) is
 * returned for the scheduler to unmap as the thread exits, as __unmapself does. */
void osprey_end_kernel_libc_thread(uintptr_t* base, size_t* size)
{
    struct pthread* self = __pthread_self();
    __pthread_tsd_run_dtors();
    *base = (uintptr_t)self->map_base;
    *size = self->map_size;
}
