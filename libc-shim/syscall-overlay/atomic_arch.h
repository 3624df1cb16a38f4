/* musl's arch/x86_64/atomic_arch.h with one change, for musl compiled for the kernel (found
 * first through -iquote, as syscall_arch.h is). musl's a_crash is `hlt`: in a Linux process
 * a privileged instruction, so SIGSEGV; in ring 0, where Osprey runs musl, it waits for the
 * next interrupt and returns into code that assumed it never would (a hang, or worse).
 * Every a_crash musl has (a detached thread joined, asctime's year overflow, abort's last
 * resort) and the kernel's own (a TLS module the linker never wrote, libc-shim/musl_tls.c)
 * ends the program instead, with the SIGSEGV Linux gives (libc-shim/start_main.cpp). */
#include_next "atomic_arch.h"

#undef a_crash
_Noreturn void osprey_musl_crash(void);
#define a_crash() osprey_musl_crash()
