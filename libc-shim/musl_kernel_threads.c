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

void osprey_leave_program_threads(void)
{
	struct pthread *self = __pthread_self();
	__tl_lock();
	if (self->next != self) {
		--libc.threads_minus_1;
		self->next->prev = self->prev;
		self->prev->next = self->next;
		self->prev = self->next = self;
	}
	__tl_unlock();
}
