// A plugin dl_close.c opens RTLD_GLOBAL: libunload_user.so binds to it without needing it
// (no DT_NEEDED), so it must stay loaded while that one is.
void host_note(const char* what);

__attribute__((destructor)) static void global_destructor(void) { host_note("global:dtor"); }

int unload_global_value(void) { return 40; }
