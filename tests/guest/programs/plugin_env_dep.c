// The library plugin_env.c needs, found through LD_LIBRARY_PATH.
int plugin_env_dep_value(void) { return 41; }
