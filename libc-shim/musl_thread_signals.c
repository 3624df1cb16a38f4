/* glibc's pthread_sigqueue (2.11): a signal with a value for one thread of the program,
 * through rt_tgsigqueueinfo as glibc sends it (SI_QUEUE, the sender's pid and uid). musl
 * has no pthread_sigqueue; this takes the thread's kill lock as musl's pthread_kill does,
 * so the thread cannot exit (and its tid be reused) while the signal goes. */
#define _GNU_SOURCE
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "pthread_impl.h"
#include "lock.h"

int pthread_sigqueue(pthread_t thread, int signal, const union sigval value)
{
    siginfo_t info;
    memset(&info, 0, sizeof info);
    info.si_signo = signal;
    info.si_code = SI_QUEUE;
    info.si_pid = getpid();
    info.si_uid = getuid();
    info.si_value = value;
    sigset_t saved;
    __block_app_sigs(&saved);
    LOCK(thread->killlock);
    int result = thread->tid ? -__syscall(SYS_rt_tgsigqueueinfo, getpid(), thread->tid, signal, &info)
                             : ((unsigned)signal >= _NSIG ? EINVAL : 0); /* exited: as pthread_kill */
    UNLOCK(thread->killlock);
    __restore_sigs(&saved);
    return result;
}
