// What dlopen and its family (libc-shim/dl_api.cpp) ask of the kernel's ELF linker, which
// registers its implementation before it enters the program (linker/kernel/dl_loader.h).
// The linker depends on libc-shim, not the other way round, hence the interface.
#pragma once

#include <lib/result.h>

#include <cstddef>
#include <cstdint>
#include <pthread.h>

namespace libc_shim {

struct LinkMap;

/// What dladdr reports of an address (glibc's Dl_info plus dladdr1's extras).
struct AddressInfo {
    const char* file;   // the object's path
    void* base;         // where the object is mapped
    const char* symbol; // the nearest symbol at or below the address, or null
    void* symbol_address;
    LinkMap* map;             // the object's link_map
    const void* symbol_entry; // its ElfW(Sym), or null
};

class DynamicLoader {
public:
    /// dlopen(3) of `path` (null: the program itself) with RTLD_* `flags`, asked by code at
    /// `caller`; `ld_library_path` is the program's current LD_LIBRARY_PATH (may be null).
    /// Loads, binds and publishes the object and what it needs (its constructors are then
    /// run by the caller: see LoadedObjectInfo::initialized). Returns the handle, or null
    /// with RTLD_NOLOAD for an object not loaded. Errors: the reason, for dlerror.
    virtual lib::Result<void*> open(const char* path, int flags, const void* caller, const char* ld_library_path) = 0;
    /// dlsym(3)/dlvsym(3): `handle` is one open returned, RTLD_DEFAULT or RTLD_NEXT;
    /// `version` is null for dlsym. Error: ENOENT (undefined symbol), EINVAL (bad handle).
    virtual lib::Result<void*> symbol(void* handle, const char* name, const char* version, const void* caller) = 0;
    /// dlclose(3): drops one reference of `handle`. When that leaves dlopen'ed objects
    /// that nothing keeps loaded, marks them LoadedObjectInfo::unloading and returns true:
    /// the caller runs their destructors, sets `finalized`, then calls unload(). Error:
    /// EINVAL for a handle open never returned (or closed too often).
    virtual lib::Result<bool> close(void* handle) = 0;
    /// Unmaps and forgets the objects marked unloading whose destructors have run.
    virtual void unload() = 0;
    /// dladdr(3): false if no loaded object contains `address`.
    virtual bool describe(const void* address, AddressInfo& info) = 0;
    /// The link_map of `handle` (dlinfo RTLD_DI_LINKMAP); null for a bad handle.
    virtual LinkMap* link_map_of(void* handle) = 0;

protected:
    ~DynamicLoader() = default;
};

/// Makes `loader` the one dlopen and its family use (the linker calls it once).
void set_dynamic_loader(DynamicLoader& loader);

/// One of dynamic loading's two recursive locks, held while it lives; nothing is taken
/// before the linker has registered its loader.
class LoadingLock {
public:
    LoadingLock(const LoadingLock&) = delete;
    LoadingLock& operator=(const LoadingLock&) = delete;

protected:
    enum class Which { Loader, ObjectChain };
    explicit LoadingLock(Which which);
    ~LoadingLock();

private:
    pthread_mutex_t* m_mutex; // null: none taken
};

/// The loader lock: dlopen and dlclose, their constructors and destructors included, run
/// one at a time (glibc's dl_load_lock). Recursive: a constructor may dlopen.
class LoaderLock : LoadingLock {
public:
    LoaderLock() : LoadingLock(Which::Loader) { }
};

/// While it lives, with the loader lock held, a dlclose only marks the objects it would
/// unload: their destructors run and they are unmapped by whoever made the outermost one
/// (dlclose itself, once its destructors are done), or never (exit runs every object's
/// destructors and unmaps nothing). Nested ones do nothing.
class UnloadDeferral {
public:
    UnloadDeferral();
    ~UnloadDeferral();
    UnloadDeferral(const UnloadDeferral&) = delete;
    UnloadDeferral& operator=(const UnloadDeferral&) = delete;
    /// The outermost one: the unloading it deferred is its maker's to do.
    bool outermost() const { return m_outermost; }
    /// From now on every dlclose only marks (at exit: glibc pins every object too).
    static void for_good();

private:
    bool m_outermost;
};

/// The chain lock: the chain of loaded objects (LoadedObjectInfo) stays still while
/// dl_iterate_phdr and _dl_find_object walk it, and dlopen and dlclose change it only with
/// this lock (glibc's dl_load_write_lock). Recursive: a callback may throw, and the
/// unwinder asks _dl_find_object.
class ObjectChainLock : LoadingLock {
public:
    ObjectChainLock() : LoadingLock(Which::ObjectChain) { }
};
/// What dlsym(RTLD_DEFAULT, name) finds (the global scope, then the kernel's exports), or
/// null; leaves dlerror's state alone.
void* global_definition(const char* name);

} // namespace libc_shim
