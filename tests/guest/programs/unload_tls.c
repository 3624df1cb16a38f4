// A plugin with a large TLS block (16 KiB), for dl_close.c: opened and closed in a loop,
// it must get a fresh block each time from the space the last one gave back.
__thread char unload_tls_big[16384];
__thread int unload_tls_marker = 7;

int* unload_tls_marker_address(void) { return &unload_tls_marker; }
char* unload_tls_big_address(void) { return unload_tls_big; }
