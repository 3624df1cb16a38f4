// The library plugin.c needs: loaded by dlopen as a dependency of the plugin.
int plugin_dep_value(void) { return 1000; }
