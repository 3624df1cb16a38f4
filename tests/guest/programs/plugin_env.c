// A plugin with no DT_RUNPATH, for dl_api.c: the library it needs (plugin_env_dep.c) is found
// only through LD_LIBRARY_PATH, which applies to a dlopen'ed object's dependencies too.
int plugin_env_dep_value(void);
int plugin_env_value(void) { return plugin_env_dep_value() + 1; }
