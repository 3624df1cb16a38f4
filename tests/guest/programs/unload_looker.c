// A plugin for dl_close.c that finds libunload_global.so's function with
// dlsym(RTLD_DEFAULT) at run time, not by a relocation: that use keeps it loaded too.
#include <dlfcn.h>

static int (*g_found)(void);

int unload_looker_find(void)
{
    g_found = (int (*)(void))dlsym(RTLD_DEFAULT, "unload_global_value");
    return g_found ? g_found() : -1;
}

int unload_looker_call(void) { return g_found ? g_found() : -1; }
