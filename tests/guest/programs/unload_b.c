// A plugin for dl_close.c that shares libunload_dep.so with libunload_a.so.
void host_note(const char* what);
int unload_dep_value(void);

__attribute__((destructor)) static void b_destructor(void) { host_note("b:dtor"); }

int unload_b_value(void) { return unload_dep_value() + 2; }
