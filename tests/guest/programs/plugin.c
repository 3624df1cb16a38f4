// A plugin for dl_api.c, loaded only by dlopen (packed with `osprey run --dlopen`). It needs
// libplugindep.so (found through its DT_RUNPATH, $ORIGIN), calls back into the executable
// (host_version, bound in the global scope), and has a constructor and a destructor.
#include <stdio.h>

int plugin_dep_value(void); // libplugindep.so
int host_version(void);     // the executable (exported with -rdynamic)

int plugin_counter = 5;
static int constructed;

__attribute__((constructor)) static void plugin_constructor(void)
{
    constructed = 1;
    plugin_counter += 100; // 105: the constructor ran before dlopen returned
}

__attribute__((destructor)) static void plugin_destructor(void) { printf("plugin: destructor ran\n"); }

int plugin_add(int a, int b) { return a + b + plugin_dep_value() * constructed; }
int plugin_host_version(void) { return host_version(); }
