// Dynamic TLS (issue 13): a plugin with 96 KiB of thread-local storage, more than the
// static TLS surplus, loaded by dlopen, reached through __tls_get_addr and (built with
// -mtls-dialect=gnu2) through TLS descriptors: each thread gets its own block, initialised
// from .tdata when it first asks (threads that existed before dlopen and threads made
// after), aligned as the segment says; dlsym of a variable gives the calling thread's
// copy; dl_iterate_phdr's dlpi_tls_data is null until this thread made its block; a
// dlclose and a new dlopen give fresh blocks. The initial-exec build (DF_STATIC_TLS) is
// refused, as glibc refuses it. Prints "dl_tls: ok".
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define TEST_NAME "dl_tls"
#include "check.h"

struct Plugin {
    void* handle;
    int* (*value)(void);
    long* (*aligned)(void);
    char* (*array)(void);
};

static struct Plugin open_plugin(const char* name)
{
    struct Plugin p = { dlopen(name, RTLD_NOW), NULL, NULL, NULL };
    if (!p.handle) {
        printf("dl_tls: dlopen %s: %s\n", name, dlerror());
        return p;
    }
    p.value = (int* (*)(void))dlsym(p.handle, "big_tls_value_address");
    p.aligned = (long* (*)(void))dlsym(p.handle, "big_tls_aligned_address");
    p.array = (char* (*)(void))dlsym(p.handle, "big_tls_array_address");
    return p;
}

/// What a thread sees of the plugin: 0 if its block is fresh and its own.
static int check_thread_view(const struct Plugin* p)
{
    int* value = p->value();
    long* aligned = p->aligned();
    char* array = p->array();
    int problems = 0;
    problems += *value != 11; // .tdata copied
    problems += *aligned != 5;
    problems += ((uintptr_t)aligned & 63) != 0;     // the segment's alignment
    problems += array[0] != 0 || array[98303] != 0; // .tbss zeroed
    *value = 99;
    array[98303] = 1;
    problems += *p->value() != 99; // the same block on the next call
    return problems;
}

static struct Plugin* g_plugin;
static sem_t g_loaded;
static int* g_main_value;

static void* early_thread(void* unused)
{
    sem_wait(&g_loaded); // made before dlopen, asks after it
    if (!g_plugin->value)
        return (void*)1; // the dlopen failed
    int problems = check_thread_view(g_plugin);
    problems += g_plugin->value() == g_main_value; // not the main thread's block
    return (void*)(intptr_t)problems;
}

// A key destructor of the program's (its key made after the kernel's) still sees the
// exiting thread's own dynamic TLS: glibc frees that after every key destructor.
static pthread_key_t g_key;
static int g_seen_at_exit[4];

static void at_thread_exit(void* slot) { *(int*)slot = *g_plugin->value(); }

static void* late_thread(void* slot)
{
    int problems = check_thread_view(g_plugin) + (g_plugin->value() == g_main_value);
    pthread_setspecific(g_key, slot);
    return (void*)(intptr_t)problems;
}

static int find_tls_data(struct dl_phdr_info* info, size_t size, void* data)
{
    (void)size;
    if (strstr(info->dlpi_name, "libbig_tls")) {
        *(void**)data = info->dlpi_tls_data;
        return info->dlpi_tls_modid ? 1 : -1;
    }
    return 0;
}

static void* tls_data_in_fresh_thread(void* unused)
{
    void* data = (void*)1;
    dl_iterate_phdr(find_tls_data, &data);
    return data;
}

static void exercise(const char* name)
{
    sem_init(&g_loaded, 0, 0);
    pthread_t early;
    CHECK(pthread_create(&early, NULL, early_thread, NULL) == 0);
    struct Plugin p = open_plugin(name);
    g_plugin = &p;
    CHECK(p.value && p.aligned && p.array);
    if (!p.value) {
        sem_post(&g_loaded);
        pthread_join(early, NULL);
        return;
    }
    pthread_t fresh;
    void* fresh_data = (void*)1;
    CHECK(pthread_create(&fresh, NULL, tls_data_in_fresh_thread, NULL) == 0);
    pthread_join(fresh, &fresh_data);
    CHECK(fresh_data == NULL); // no block made in that thread

    CHECK(check_thread_view(&p) == 0);
    g_main_value = p.value();
    CHECK(dlsym(p.handle, "big_tls_value") == (void*)g_main_value); // the calling thread's copy
    void* data = NULL;
    CHECK(dl_iterate_phdr(find_tls_data, &data) == 1 && data != NULL);
    sem_post(&g_loaded);
    void* problems = (void*)1;
    pthread_join(early, &problems);
    CHECK(problems == NULL);
    pthread_t late[4];
    for (int i = 0; i < 4; i++)
        CHECK(pthread_create(&late[i], NULL, late_thread, &g_seen_at_exit[i]) == 0);
    for (int i = 0; i < 4; i++) {
        problems = (void*)1;
        pthread_join(late[i], &problems);
        CHECK(problems == NULL);
        CHECK(g_seen_at_exit[i] == 99); // its own value, not a fresh block
    }
    CHECK(*p.value() == 99); // the main thread's block kept its value meanwhile

    // Closed and opened again: a fresh block.
    CHECK(dlclose(p.handle) == 0);
    p = open_plugin(name);
    CHECK(p.value && *p.value() == 11);
    CHECK(p.handle && dlclose(p.handle) == 0);
}

int main(void)
{
    pthread_key_create(&g_key, at_thread_exit);
    exercise("libbig_tls.so");
    exercise("libbig_tls_desc.so");
    CHECK(dlopen("libbig_tls_ie.so", RTLD_NOW) == NULL);
    const char* message = dlerror();
    CHECK(message && strstr(message, "static TLS"));
    if (message && !strstr(message, "static TLS"))
        printf("dl_tls: initial-exec plugin: %s\n", message);
    if (failures)
        return 1;
    printf("dl_tls: ok\n");
    return 0;
}
