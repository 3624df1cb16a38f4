// A plugin for dl_close.c whose one import, unload_global_value, only the RTLD_GLOBAL
// libunload_global.so defines: it is linked without it, as a plugin of a host would be.
void host_note(const char* what);
int unload_global_value(void);

__attribute__((destructor)) static void user_destructor(void) { host_note("user:dtor"); }

int unload_user_value(void) { return unload_global_value() + 2; }
