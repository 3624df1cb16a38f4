// dlopen and its family (issue 13): a plugin packed with `osprey run --dlopen`, loaded with
// the library it needs, bound against the executable (host_version), its constructor run
// before dlopen returns and its destructor at exit; dlsym on handles, RTLD_DEFAULT,
// RTLD_NEXT and the program itself; dladdr; dl_iterate_phdr and _r_debug's chain; the
// kernel's libm by soname;
// RTLD_NOLOAD; a plugin whose dependency is found through LD_LIBRARY_PATH; a plugin with TLS; a C++ plugin whose
// exception unwinds inside it (with the image's libstdc++, which has TLS too); and clean errors for a missing library,
// a missing symbol and a bad mode. Prints "dl_api: ok", then the plugin's destructor line at exit.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <link.h>
#include <stdio.h>
#include <string.h>

#define TEST_NAME "dl_api"
#include "check.h"

// A plugin's TLS seen from other threads (dlopen initialises every thread's block).
static sem_t g_go;
static int (*g_read_value)(void);
static void* read_plugin_tls_now(void* unused) { return (void*)(intptr_t)(g_read_value ? g_read_value() : -1); }
static void* read_plugin_tls(void* unused)
{
    sem_wait(&g_go);
    return read_plugin_tls_now(unused);
}

int host_version(void) { return 36; } // the plugin calls it (the program is linked -rdynamic)

static int count_objects(struct dl_phdr_info* info, size_t size, void* data)
{
    (void)size;
    if (strstr(info->dlpi_name, "libplugin.so") || strstr(info->dlpi_name, "libplugindep.so"))
        ++*(int*)data;
    return 0;
}

static void plugin(void)
{
    void* handle = dlopen("libplugin.so", RTLD_NOW);
    if (!handle) {
        printf("dl_api: FAILED: dlopen libplugin.so: %s\n", dlerror());
        ++failures;
        return;
    }
    int (*add)(int, int) = (int (*)(int, int))dlsym(handle, "plugin_add");
    int* counter = dlsym(handle, "plugin_counter");
    int (*version)(void) = (int (*)(void))dlsym(handle, "plugin_host_version");
    CHECK(add && add(1, 2) == 1003);                  // and the dependency's value, after the constructor ran
    CHECK(counter && *counter == 105);                // its constructor ran once, before dlopen returned
    CHECK(version && version() == 36);                // bound to the executable's function
    CHECK(dlsym(RTLD_DEFAULT, "plugin_add") == NULL); // RTLD_LOCAL: not in the global scope
    CHECK(dlerror() != NULL);
    CHECK(dlsym(handle, "no_such_symbol") == NULL);
    const char* message = dlerror();
    CHECK(message && strstr(message, "no_such_symbol"));
    CHECK(dlerror() == NULL); // reading the error clears it

    Dl_info info;
    CHECK(add && dladdr((void*)add, &info) && info.dli_sname && strcmp(info.dli_sname, "plugin_add") == 0
        && strstr(info.dli_fname, "libplugin.so") && info.dli_saddr == (void*)add);
    int seen = 0;
    dl_iterate_phdr(count_objects, &seen);
    CHECK(seen == 2); // the plugin and the library it needs
    // The debugger rendezvous: the same objects, the executable first with an empty name.
    CHECK(_r_debug.r_version == 1 && _r_debug.r_state == RT_CONSISTENT && _r_debug.r_brk != 0);
    struct link_map* first = _r_debug.r_map;
    CHECK(first && first->l_prev == NULL && strcmp(first->l_name, "") == 0);
    int chained = 0;
    for (struct link_map* map = first; map; map = map->l_next)
        if (strstr(map->l_name, "libplugin.so") || strstr(map->l_name, "libplugindep.so"))
            ++chained;
    CHECK(chained == 2);
    CHECK(dlopen("libplugin.so", RTLD_NOW) == handle);
    CHECK(dlopen("libplugin.so", RTLD_NOW | RTLD_NOLOAD) == handle);
    CHECK(dlclose(handle) == 0 && dlclose(handle) == 0);
}

static void other_handles(void)
{
    void* libm = dlopen("libm.so.6", RTLD_NOW);
    double (*cosine)(double) = libm ? (double (*)(double))dlsym(libm, "cos") : NULL;
    CHECK(cosine && cosine(0.0) == 1.0);
    void* self = dlopen(NULL, RTLD_NOW);
    CHECK(self && dlsym(self, "host_version") == (void*)host_version);
    CHECK(dlsym(RTLD_NEXT, "malloc") != NULL);       // after the executable: the kernel's malloc
    CHECK(dlsym(RTLD_NEXT, "host_version") == NULL); // the executable's own: not after it
    CHECK(dlopen("libnot-in-the-image.so", RTLD_NOW) == NULL);
    const char* message = dlerror();
    CHECK(message && strstr(message, "libnot-in-the-image.so"));
    CHECK(dlopen("libnot-in-the-image.so", RTLD_NOW | RTLD_NOLOAD) == NULL);
    CHECK(dlopen("/.osprey/cmdline", RTLD_NOW) == NULL); // not an ELF file
    message = dlerror();
    CHECK(message && strstr(message, "/.osprey/cmdline"));
    CHECK(dlopen("/app/dl_api", RTLD_NOW) == self); // the program itself, by its path
    CHECK(dlopen("/app/hello", RTLD_NOW) == NULL);  // another PIE executable: glibc refuses it too
    message = dlerror();
    CHECK(message && strstr(message, "position-independent executable"));
    CHECK(dlopen("libplugin.so", 0) == NULL); // neither RTLD_LAZY nor RTLD_NOW
    CHECK(dlerror() != NULL);

    pthread_t early; // a thread that exists before the TLS plugin is loaded
    sem_init(&g_go, 0, 0);
    CHECK(pthread_create(&early, NULL, read_plugin_tls, NULL) == 0);
    void* tls = dlopen("libplugin_tls.so", RTLD_NOW); // its block comes from the static TLS surplus
    int* value = tls ? dlsym(tls, "plugin_tls_value") : NULL;
    int (*read_value)(void) = tls ? (int (*)(void))dlsym(tls, "plugin_tls_read") : NULL;
    CHECK(value && read_value && *value == 3 && read_value() == 3); // .tdata copied
    if (value && read_value) {
        *value = 9;
        CHECK(read_value() == 9); // dlsym's address and the plugin's own access agree
    }
    g_read_value = read_value;
    sem_post(&g_go);
    intptr_t seen = 0;
    pthread_join(early, (void**)&seen);
    CHECK(seen == 3); // the earlier thread's own block, initialised by dlopen
    pthread_t late;
    CHECK(pthread_create(&late, NULL, read_plugin_tls_now, NULL) == 0);
    pthread_join(late, (void**)&seen);
    CHECK(seen == 3); // a thread made after dlopen copies the block's image

    void* env = dlopen("libplugin_env.so", RTLD_NOW); // its dependency only on LD_LIBRARY_PATH
    int (*env_value)(void) = env ? (int (*)(void))dlsym(env, "plugin_env_value") : NULL;
    CHECK(env_value && env_value() == 42);

    void* cxx = dlopen("libplugin_cxx.so", RTLD_LAZY | RTLD_GLOBAL);
    int (*cxx_catch)(int) = cxx ? (int (*)(int))dlsym(cxx, "plugin_cxx_catch") : NULL;
    CHECK(cxx_catch && cxx_catch(7) == 1);
    CHECK(dlsym(RTLD_DEFAULT, "plugin_cxx_catch") == (void*)cxx_catch); // RTLD_GLOBAL
}

int main(void)
{
    plugin();
    other_handles();
    if (failures)
        return 1;
    printf("dl_api: ok\n");
    return 0;
}
