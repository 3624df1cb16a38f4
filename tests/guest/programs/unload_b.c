// A plugin for dl_close.c that shares libunload_dep.so with libunload_a.so, and registers
// a fork handler (which must go with it).
#include <pthread.h>

void host_note(const char* what);
int unload_dep_value(void);

static void b_prepare(void) { host_note("b:prepare"); }

__attribute__((constructor)) static void b_constructor(void) { pthread_atfork(b_prepare, NULL, NULL); }
__attribute__((destructor)) static void b_destructor(void) { host_note("b:dtor"); }

int unload_b_value(void) { return unload_dep_value() + 2; }
