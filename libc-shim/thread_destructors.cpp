// A thread's thread_local destructors: a list per thread behind one pthread key. musl's
// pthread_exit runs key destructors in key order (src/thread/pthread_key_create.c,
// __pthread_tsd_run_dtors), and this key is created first, so the list runs before
// mimalloc's heap key lets the thread's heap go. A destructor that registers another
// thread_local sets the key again, and musl runs the key's destructor again (up to
// PTHREAD_DESTRUCTOR_ITERATIONS times).
#include <libc_shim/dynamic_loading.h>
#include <libc_shim/startup.h>
#include <libc_shim/thread_destructors.h>

#include <pthread.h>
#include <stdlib.h>

namespace libc_shim {

namespace {

struct ThreadDestructor {
    void (*destructor)(void*);
    void* object;
    LoadedObjectInfo* owner; // the loaded object it keeps loaded (null: none)
    ThreadDestructor* next;
};

// Written once at boot, before any thread exists; read-only afterwards.
constinit pthread_key_t g_key;

void run_list(void* head)
{
    for (auto* node = static_cast<ThreadDestructor*>(head); node;) {
        ThreadDestructor* next = node->next;
        node->destructor(node->object);
        if (node->owner)
            __atomic_fetch_sub(&node->owner->thread_destructors, 1, __ATOMIC_RELEASE);
        free(node);
        node = next;
    }
}

} // namespace

void init_thread_destructors() { (void)pthread_key_create(&g_key, run_list); }

int add_thread_destructor(void (*destructor)(void*), void* object, void* dso_symbol)
{
    auto* node = static_cast<ThreadDestructor*>(malloc(sizeof(ThreadDestructor)));
    if (!node)
        return -1;
    LoadedObjectInfo* owner;
    {
        ObjectChainLock chain;
        owner = dso_symbol ? loaded_object_containing(dso_symbol) : nullptr;
        if (owner)
            __atomic_fetch_add(&owner->thread_destructors, 1, __ATOMIC_RELAXED);
    }
    *node = { destructor, object, owner, static_cast<ThreadDestructor*>(pthread_getspecific(g_key)) };
    pthread_setspecific(g_key, node);
    return 0;
}

} // namespace libc_shim
