// A plugin dl_close.c keeps loaded: opened with RTLD_NODELETE, or (built as
// libunload_nodelete.so, linked -z nodelete) marked DF_1_NODELETE. Its destructor runs at exit.
void host_note(const char* what);

__attribute__((destructor)) static void keep_destructor(void) { host_note(KEEP_TAG ":dtor"); }

int unload_keep_value(void) { return 3; }
