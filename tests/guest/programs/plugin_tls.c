// A plugin with thread-local storage, for dl_api.c: dlopen gives it a block in the static
// TLS surplus; the plugin reads it through __tls_get_addr (general-dynamic).
__thread int plugin_tls_value = 3;
int plugin_tls_read(void) { return plugin_tls_value; }
