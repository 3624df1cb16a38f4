// The bottom of init_order's three libraries: needed by both others, so its constructor
// must run before theirs and its destructor after theirs.
#include <stdio.h>

int base_ready;
int users_finished;

__attribute__((constructor)) static void base_init(void) { base_ready = 1; }

__attribute__((destructor)) static void base_fini(void)
{
    printf("init_order: base finalized %s\n", users_finished ? "after its users" : "BEFORE its users");
}
