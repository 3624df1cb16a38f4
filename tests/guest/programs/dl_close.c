// dlclose unloads (issue 13): an object goes when its last reference does, with its
// destructors (C++ static objects through __cxa_finalize, destructor functions) run before
// dlclose returns, dependencies after the objects that need them; a library two plugins
// need stays until both are closed; an RTLD_GLOBAL plugin another plugin bound to stays
// while that one is open; RTLD_NODELETE and DF_1_NODELETE keep theirs to exit; a
// thread's pending thread_local destructor keeps its plugin; a plugin with a 16 KiB TLS
// block is opened and closed 40 times (the static TLS surplus is 64 KiB) with a fresh block
// each time; 300 open/close rounds leave the mappings as they were; a closed plugin's fork
// handler is not run by a later fork; a plugin that found an RTLD_GLOBAL plugin's function
// with dlsym keeps it loaded.
// Prints "dl_close: ok", then at exit the notes of the objects that stay ("keep:dtor",
// "nodelete:dtor").
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEST_NAME "dl_close"
#include "check.h"

// What the plugins' destructors report, in order (they call back into the program).
static pthread_mutex_t g_notes_lock = PTHREAD_MUTEX_INITIALIZER;
static char g_notes[512];
static int g_print_notes; // at exit, when the objects that stay run theirs

void host_note(const char* what)
{
    pthread_mutex_lock(&g_notes_lock);
    if (g_notes[0])
        strncat(g_notes, ",", sizeof g_notes - strlen(g_notes) - 1);
    strncat(g_notes, what, sizeof g_notes - strlen(g_notes) - 1);
    pthread_mutex_unlock(&g_notes_lock);
    if (g_print_notes)
        printf("note: %s\n", what);
}

/// The notes so far, then none.
static const char* take_notes(void)
{
    static char taken[sizeof g_notes];
    pthread_mutex_lock(&g_notes_lock);
    strcpy(taken, g_notes);
    g_notes[0] = 0;
    pthread_mutex_unlock(&g_notes_lock);
    return taken;
}

struct Search {
    const char* name;
    int count;
};

static int count_named(struct dl_phdr_info* info, size_t size, void* data)
{
    (void)size;
    struct Search* search = data;
    if (strstr(info->dlpi_name, search->name))
        search->count++;
    return 0;
}

/// How many loaded objects' paths contain `name` (dl_iterate_phdr lists them).
static int loaded(const char* name)
{
    struct Search search = { name, 0 };
    dl_iterate_phdr(count_named, &search);
    return search.count;
}

static void* open_plugin(const char* name, int flags)
{
    void* handle = dlopen(name, flags);
    if (!handle)
        printf("dl_close: dlopen %s: %s\n", name, dlerror());
    return handle;
}

static void destructors_and_dependencies(void)
{
    void* a = open_plugin("libunload_a.so", RTLD_NOW);
    int (*a_value)(void) = a ? (int (*)(void))dlsym(a, "unload_a_value") : NULL;
    CHECK(a_value && a_value() == 8);
    CHECK(loaded("libunload_a.so") == 1 && loaded("libunload_dep.so") == 1);
    CHECK(dlopen("libunload_a.so", RTLD_NOW) == a); // a second reference
    CHECK(dlclose(a) == 0);
    CHECK(strcmp(take_notes(), "") == 0 && loaded("libunload_a.so") == 1); // one is left
    CHECK(dlclose(a) == 0);
    // The plugin's destructor function, then its static object (__cxa_finalize, run by
    // crtstuff's entry, the first of .fini_array), then the library it needed.
    const char* notes = take_notes();
    CHECK(strcmp(notes, "a:dtor,a:static,dep:dtor") == 0);
    if (strcmp(notes, "a:dtor,a:static,dep:dtor") != 0)
        printf("dl_close: notes were \"%s\"\n", notes);
    CHECK(loaded("libunload_a.so") == 0 && loaded("libunload_dep.so") == 0);
    CHECK(dlopen("libunload_a.so", RTLD_NOW | RTLD_NOLOAD) == NULL);
    Dl_info info;
    CHECK(dladdr((void*)a_value, &info) == 0); // nothing is mapped there any more

    // Opened again: loaded afresh, its constructors run again.
    a = open_plugin("libunload_a.so", RTLD_NOW);
    a_value = a ? (int (*)(void))dlsym(a, "unload_a_value") : NULL;
    CHECK(a_value && a_value() == 8);

    // A library two plugins need goes with the last of them.
    void* b = open_plugin("libunload_b.so", RTLD_NOW);
    int (*b_value)(void) = b ? (int (*)(void))dlsym(b, "unload_b_value") : NULL;
    CHECK(a && b && dlclose(a) == 0);
    CHECK(strcmp(take_notes(), "a:dtor,a:static") == 0);
    CHECK(loaded("libunload_a.so") == 0 && loaded("libunload_dep.so") == 1);
    CHECK(b_value && b_value() == 9); // its dependency still works
    CHECK(b && dlclose(b) == 0);
    CHECK(strcmp(take_notes(), "b:dtor,dep:dtor") == 0);
    CHECK(loaded("libunload_b.so") == 0 && loaded("libunload_dep.so") == 0);
}

static void symbol_users(void)
{
    void* global = open_plugin("libunload_global.so", RTLD_NOW | RTLD_GLOBAL);
    void* user = open_plugin("libunload_user.so", RTLD_NOW);
    int (*user_value)(void) = user ? (int (*)(void))dlsym(user, "unload_user_value") : NULL;
    CHECK(user_value && user_value() == 42);
    CHECK(global && dlclose(global) == 0);
    // The user bound unload_global_value to it: it stays, out of the global scope's reach
    // by nobody but still mapped.
    CHECK(strcmp(take_notes(), "") == 0 && loaded("libunload_global.so") == 1);
    CHECK(user_value && user_value() == 42);
    CHECK(user && dlclose(user) == 0);
    CHECK(strcmp(take_notes(), "user:dtor,global:dtor") == 0);
    CHECK(loaded("libunload_global.so") == 0 && loaded("libunload_user.so") == 0);

    // The same through dlsym(RTLD_DEFAULT) in the plugin, at run time.
    global = open_plugin("libunload_global.so", RTLD_NOW | RTLD_GLOBAL);
    void* looker = open_plugin("libunload_looker.so", RTLD_NOW);
    int (*find)(void) = looker ? (int (*)(void))dlsym(looker, "unload_looker_find") : NULL;
    int (*call)(void) = looker ? (int (*)(void))dlsym(looker, "unload_looker_call") : NULL;
    CHECK(find && call && find() == 40);
    CHECK(global && dlclose(global) == 0);
    CHECK(loaded("libunload_global.so") == 1 && call && call() == 40);
    CHECK(looker && dlclose(looker) == 0);
    CHECK(loaded("libunload_global.so") == 0 && loaded("libunload_looker.so") == 0);
    take_notes();
}

static void fork_handlers_go(void)
{
    void* b = open_plugin("libunload_b.so", RTLD_NOW);
    CHECK(b && dlclose(b) == 0);
    take_notes();
    pid_t child = fork(); // Linux forks, Osprey fails with ENOSYS: either way, no handler of b
    if (child == 0)
        _exit(0);
    if (child > 0)
        waitpid(child, NULL, 0);
    CHECK(strcmp(take_notes(), "") == 0);
}

static void kept_objects(void)
{
    void* keep = open_plugin("libunload_keep.so", RTLD_NOW | RTLD_NODELETE);
    CHECK(keep && dlclose(keep) == 0);
    void* nodelete = open_plugin("libunload_nodelete.so", RTLD_NOW);
    CHECK(nodelete && dlclose(nodelete) == 0);
    CHECK(strcmp(take_notes(), "") == 0);
    CHECK(loaded("libunload_keep.so") == 1 && loaded("libunload_nodelete.so") == 1);
}

// A thread that made the plugin's thread_local and waits: its destructor is pending.
static sem_t g_made, g_finish;
static void* hold_thread_local(void* value_function)
{
    int value = ((int (*)(void))value_function)();
    sem_post(&g_made);
    sem_wait(&g_finish);
    return (void*)(long)value;
}

static void pending_thread_local(void)
{
    void* a = open_plugin("libunload_a.so", RTLD_NOW);
    void* function = a ? dlsym(a, "unload_a_thread_value") : NULL;
    CHECK(function != NULL);
    if (!function)
        return;
    sem_init(&g_made, 0, 0);
    sem_init(&g_finish, 0, 0);
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, hold_thread_local, function) == 0);
    sem_wait(&g_made);
    CHECK(dlclose(a) == 0);
    CHECK(loaded("libunload_a.so") == 1); // the thread's destructor is in it
    sem_post(&g_finish);
    void* value = NULL;
    pthread_join(thread, &value);
    CHECK((long)value == 5);
    CHECK(strstr(take_notes(), "a:thread_local") != NULL);
}

static void tls_space_given_back(void)
{
    int rounds = 0;
    for (; rounds < 40; rounds++) {
        void* tls = open_plugin("libunload_tls.so", RTLD_NOW);
        int* (*marker)(void) = tls ? (int* (*)(void))dlsym(tls, "unload_tls_marker_address") : NULL;
        char* (*big)(void) = tls ? (char* (*)(void))dlsym(tls, "unload_tls_big_address") : NULL;
        if (!marker || !big)
            break;
        int* m = marker();
        char* b = big();
        if (*m != 7 || b[0] != 0 || b[sizeof(char[16384]) - 1] != 0) // fresh each time
            break;
        *m = 99;
        b[0] = b[16383] = 1;
        if (dlclose(tls) != 0)
            break;
    }
    CHECK(rounds == 40);
}

static int count_maps(void)
{
    FILE* maps = fopen("/proc/self/maps", "r");
    if (!maps)
        return -1;
    int lines = 0;
    for (int c; (c = fgetc(maps)) != EOF;)
        lines += c == '\n';
    fclose(maps);
    return lines;
}

static void mappings_given_back(void)
{
    void* warm = open_plugin("libunload_b.so", RTLD_NOW); // whatever first use allocates
    CHECK(warm && dlclose(warm) == 0);
    take_notes();
    int before = count_maps();
    int rounds = 0;
    for (; rounds < 300; rounds++) {
        void* b = dlopen("libunload_b.so", RTLD_NOW);
        if (!b || dlclose(b) != 0)
            break;
    }
    CHECK(rounds == 300);
    int after = count_maps();
    CHECK(before > 0 && after == before);
    if (after != before)
        printf("dl_close: %d mappings before, %d after\n", before, after);
    take_notes();
}

int main(void)
{
    destructors_and_dependencies();
    symbol_users();
    kept_objects();
    pending_thread_local();
    fork_handlers_go();
    tls_space_given_back();
    mappings_given_back();
    if (failures)
        return 1;
    printf("dl_close: ok\n");
    g_print_notes = 1;
    return 0;
}
