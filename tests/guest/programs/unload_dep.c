// A library two dlclose plugins need (DT_NEEDED of libunload_a.so and libunload_b.so):
// dl_close.c checks it stays while either is open and goes with the last.
void host_note(const char* what); // dl_close.c (linked -rdynamic)

__attribute__((destructor)) static void dep_destructor(void) { host_note("dep:dtor"); }

int unload_dep_value(void) { return 7; }
