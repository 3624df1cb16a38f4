// dlopen(3) and its family with glibc's ABI, over the kernel's ELF linker (the
// DynamicLoader it registers, libc_shim/dynamic_loading.h). Errors go to musl's per-thread
// dlerror state (__dl_seterr), so musl's dlerror() reports them, glibc-style: "what: why".
#include <libc_shim/dynamic_loading.h>
#include <libc_shim/startup.h>
#include <sched/scheduler.h>

#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <link.h>

extern "C" void __dl_seterr(const char* format, ...); // musl, src/ldso/dlerror.c

namespace libc_shim {

namespace {

DynamicLoader* g_loader; // set once, before the program runs

void set_error(const char* what, const lib::Error& error)
{
    __dl_seterr("%s: %s", what ? what : "(null)", error.message);
}

bool have_loader(const char* what)
{
    if (!g_loader)
        __dl_seterr("%s: dynamic loading is not available before the program starts", what);
    return g_loader != nullptr;
}

void* find_symbol(void* handle, const char* name, const char* version, const void* caller)
{
    if (!have_loader(name))
        return nullptr;
    sched::KernelSection section;
    auto found = g_loader->symbol(handle, name, version, caller);
    if (found.is_error()) {
        set_error(name, found.error());
        return nullptr;
    }
    return found.value();
}

} // namespace

void set_dynamic_loader(DynamicLoader& loader) { g_loader = &loader; }

void* global_definition(const char* name)
{
    if (!g_loader)
        return nullptr;
    sched::KernelSection section;
    auto found = g_loader->symbol(nullptr, name, nullptr, nullptr); // RTLD_DEFAULT; dlerror untouched
    return found.is_error() ? nullptr : found.value();
}

} // namespace libc_shim

using libc_shim::g_loader;

extern "C" {

void* osprey_dlopen(const char* path, int flags)
{
    if (!libc_shim::have_loader(path))
        return nullptr;
    const libc_shim::LoadedObjectInfo* previous_last;
    lib::Result<void*> opened = nullptr;
    {
        // The loader changes the address space and the module list: kernel code, not
        // preempted by another thread's. The constructors below are the program's own.
        sched::KernelSection section;
        previous_last = libc_shim::program_startup().last_object;
        opened = g_loader->open(path, flags, __builtin_return_address(0), getenv("LD_LIBRARY_PATH"));
    }
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
    sched::KernelSection section;
    if (auto closed = g_loader->close(handle); closed.is_error()) {
        libc_shim::set_error("dlclose", closed.error());
        return -1;
    }
    return 0;
}

/// dladdr1(3): dladdr plus the link_map (RTLD_DL_LINKMAP) or the symbol entry (RTLD_DL_SYMENT).
int osprey_dladdr1(const void* address, Dl_info* info, void** extra, int flags)
{
    libc_shim::AddressInfo found {};
    sched::KernelSection section;
    if (!g_loader || !g_loader->describe(address, found))
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
    libc_shim::LinkMap* map = g_loader ? g_loader->link_map_of(handle) : nullptr;
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
