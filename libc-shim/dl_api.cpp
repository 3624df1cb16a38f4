// dlopen(3) and its family with glibc's ABI, over the kernel's ELF linker (the
// DynamicLoader it registers, libc_shim/dynamic_loading.h). Errors go to musl's per-thread
// dlerror state (__dl_seterr), so musl's dlerror() reports them, glibc-style: "what: why".
//
// Locks, taken in this order: the loader lock (dlopen and dlclose one at a time, their
// constructors and destructors included), the chain lock (while the chain of loaded
// objects changes), then the kernel section (the loader's own work), inside which
// musl_tls.c takes musl's TLS list lock around each change to the TLS modules new threads
// copy. Both of ours are recursive: a constructor may dlopen, a dl_iterate_phdr callback
// may throw.
#include <libc_shim/dynamic_loading.h>
#include <libc_shim/startup.h>
#include <sched/scheduler.h>

#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>

extern "C" void __dl_seterr(const char* format, ...); // musl, src/ldso/dlerror.c

namespace libc_shim {

namespace {

/// The program's dynamic loading: the loader the linker registers (once, before the
/// program runs) and the locks it and libc-shim's readers take.
struct DynamicLoading {
    DynamicLoader* loader;
    pthread_mutex_t loader_lock; // LoaderLock
    pthread_mutex_t chain_lock;  // ObjectChainLock
    bool deferring_unload;       // (loader lock) an UnloadDeferral lives
};
DynamicLoading g_loading;

void set_error(const char* what, const lib::Error& error)
{
    __dl_seterr("%s: %s", what ? what : "(null)", error.message);
}

bool have_loader(const char* what)
{
    if (!g_loading.loader)
        __dl_seterr("%s: dynamic loading is not available before the program starts", what);
    return g_loading.loader != nullptr;
}

void* find_symbol(void* handle, const char* name, const char* version, const void* caller)
{
    if (!have_loader(name))
        return nullptr;
    sched::KernelSection section;
    auto found = g_loading.loader->symbol(handle, name, version, caller);
    if (found.is_error()) {
        set_error(name, found.error());
        return nullptr;
    }
    return found.value();
}

} // namespace

void set_dynamic_loader(DynamicLoader& loader)
{
    pthread_mutexattr_t recursive;
    pthread_mutexattr_init(&recursive);
    pthread_mutexattr_settype(&recursive, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&g_loading.loader_lock, &recursive);
    pthread_mutex_init(&g_loading.chain_lock, &recursive);
    g_loading.loader = &loader;
}

LoadingLock::LoadingLock(Which which)
    : m_mutex(!g_loading.loader      ? nullptr
            : which == Which::Loader ? &g_loading.loader_lock
                                     : &g_loading.chain_lock)
{
    if (m_mutex)
        pthread_mutex_lock(m_mutex);
}

LoadingLock::~LoadingLock()
{
    if (m_mutex)
        pthread_mutex_unlock(m_mutex);
}

UnloadDeferral::UnloadDeferral() : m_outermost(!g_loading.deferring_unload) { g_loading.deferring_unload = true; }

void UnloadDeferral::for_good() { g_loading.deferring_unload = true; }

UnloadDeferral::~UnloadDeferral()
{
    if (m_outermost)
        g_loading.deferring_unload = false;
}

void* global_definition(const char* name)
{
    if (!g_loading.loader)
        return nullptr;
    sched::KernelSection section;
    auto found = g_loading.loader->symbol(nullptr, name, nullptr, nullptr); // RTLD_DEFAULT; dlerror untouched
    return found.is_error() ? nullptr : found.value();
}

} // namespace libc_shim

using libc_shim::g_loading;

namespace {

/// Runs `change` (the loader's work on the module list) with the chain of loaded objects
/// locked, in the kernel section.
template<typename Change> void change_loaded_objects(Change change)
{
    libc_shim::ObjectChainLock chain;
    sched::KernelSection section;
    change();
}

} // namespace

extern "C" {

void* osprey_dlopen(const char* path, int flags)
{
    if (!libc_shim::have_loader(path))
        return nullptr;
    libc_shim::LoaderLock lock;
    const libc_shim::LoadedObjectInfo* previous_last = nullptr;
    lib::Result<void*> opened = nullptr;
    const void* caller = __builtin_return_address(0);
    const char* ld_library_path = getenv("LD_LIBRARY_PATH");
    change_loaded_objects([&] { // the constructors below are the program's own code
        previous_last = libc_shim::program_startup().last_object;
        opened = g_loading.loader->open(path, flags, caller, ld_library_path);
    });
    if (opened.is_error()) {
        libc_shim::set_error(path, opened.error());
        return nullptr;
    }
    libc_shim::initialize_objects_after(previous_last);
    return opened.value();
}

void* osprey_dlsym(void* handle, const char* name)
{
    return libc_shim::find_symbol(handle, name, nullptr, __builtin_return_address(0));
}

void* osprey_dlvsym(void* handle, const char* name, const char* version)
{
    return libc_shim::find_symbol(handle, name, version, __builtin_return_address(0));
}

int osprey_dlclose(void* handle)
{
    if (!libc_shim::have_loader("dlclose"))
        return -1;
    libc_shim::LoaderLock lock;
    lib::Result<bool> closed = false;
    {
        sched::KernelSection section;
        closed = g_loading.loader->close(handle);
    }
    if (closed.is_error()) {
        libc_shim::set_error("dlclose", closed.error());
        return -1;
    }
    // A dlclose from a destructor below only marks: this one runs what it marked too, and
    // unmaps nothing while a destructor may still be running.
    if (libc_shim::UnloadDeferral deferral; closed.value() && deferral.outermost()) {
        libc_shim::finalize_unloading_objects();
        change_loaded_objects([] { g_loading.loader->unload(); });
    }
    return 0;
}

/// dladdr1(3): dladdr plus the link_map (RTLD_DL_LINKMAP) or the symbol entry (RTLD_DL_SYMENT).
int osprey_dladdr1(const void* address, Dl_info* info, void** extra, int flags)
{
    libc_shim::AddressInfo found {};
    sched::KernelSection section;
    if (!g_loading.loader || !g_loading.loader->describe(address, found))
        return 0;
    *info = Dl_info { found.file, found.base, found.symbol, found.symbol_address };
    if (flags == RTLD_DL_LINKMAP && extra)
        *extra = found.map;
    else if (flags == RTLD_DL_SYMENT && extra)
        *extra = const_cast<void*>(found.symbol_entry);
    return 1;
}

int osprey_dladdr(const void* address, Dl_info* info) { return osprey_dladdr1(address, info, nullptr, 0); }

/// dlinfo(3): RTLD_DI_LINKMAP and RTLD_DI_ORIGIN; other requests fail with a dlerror.
int osprey_dlinfo(void* handle, int request, void* argument)
{
    sched::KernelSection section;
    libc_shim::LinkMap* map = g_loading.loader ? g_loading.loader->link_map_of(handle) : nullptr;
    if (!map) {
        __dl_seterr("dlinfo: invalid handle");
        return -1;
    }
    if (request == RTLD_DI_LINKMAP) {
        *static_cast<libc_shim::LinkMap**>(argument) = map;
        return 0;
    }
    if (request == RTLD_DI_ORIGIN) {
        const char* slash = strrchr(map->l_name, '/');
        size_t length = slash ? size_t(slash - map->l_name) : 0;
        memcpy(argument, map->l_name, length);
        static_cast<char*>(argument)[length] = 0;
        return 0;
    }
    __dl_seterr("dlinfo: unsupported request %d", request);
    return -1;
}

/// dlmopen(3): link-map namespaces are not supported; refused with a dlerror.
void* dlmopen(Lmid_t, const char* path, int)
{
    __dl_seterr("%s: dlmopen (separate link-map namespaces) is not supported", path ? path : "(null)");
    return nullptr;
}

} // extern "C"
