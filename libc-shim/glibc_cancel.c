/* glibc's cancellation cleanup ABI, over musl's. glibc's pthread_cleanup_push in C (not
 * C++) expands to
 *     __pthread_unwind_buf_t buf;
 *     if (__sigsetjmp(buf.__cancel_jmp_buf, 0)) { routine(arg); __pthread_unwind_next(&buf); }
 *     __pthread_register_cancel(&buf);
 *     ... body ...
 *     __pthread_unregister_cancel(&buf); if (execute) routine(arg);
 * so on cancellation or pthread_exit the thread must come back to that setjmp point.
 * Here the buffer's private words (glibc's __pad[4], 32 bytes that glibc keeps for itself)
 * hold a musl cleanup record (struct __ptcb, 24 bytes) on musl's per-thread chain
 * (self->cancelbuf), whose function longjmps into the buffer. musl's pthread_exit pops
 * records newest first and calls them: the jump lands in the program, which runs its
 * routine and calls __pthread_unwind_next, which resumes pthread_exit with the result it
 * had, for the records below. __sigsetjmp is musl's sigsetjmp (savemask 0: a plain setjmp
 * into the first 72 bytes), so musl's longjmp is its match. */
#include "pthread_impl.h"

#include <setjmp.h>
#include <stddef.h>

/* glibc's __pthread_unwind_buf_t (<pthread.h>), x86-64. */
struct glibc_unwind_buf {
    struct {
        unsigned long jmp_buf[8];
        int mask_was_saved;
    } cancel_jmp_buf[1];
    void* pad[4];
};
_Static_assert(sizeof(struct glibc_unwind_buf) == 104, "glibc's __pthread_unwind_buf_t");
_Static_assert(sizeof(struct __ptcb) <= sizeof(((struct glibc_unwind_buf*)0)->pad), "room for musl's record");

static struct __ptcb* record_of(struct glibc_unwind_buf* buf) { return (struct __ptcb*)buf->pad; }

static void jump_back(void* argument) { longjmp(*(jmp_buf*)argument, 1); }

void __pthread_register_cancel(struct glibc_unwind_buf* buf)
{
    _pthread_cleanup_push(record_of(buf), jump_back, buf->cancel_jmp_buf);
}

void __pthread_unregister_cancel(struct glibc_unwind_buf* buf) { _pthread_cleanup_pop(record_of(buf), 0); }

/* The program ran its routine: go on ending the thread, with the records below. */
_Noreturn void __pthread_unwind_next(struct glibc_unwind_buf* buf)
{
    (void)buf; /* musl already took the record off the chain before calling it */
    pthread_exit(__pthread_self()->result);
}
