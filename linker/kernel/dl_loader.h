// Kernel side of the linker: dlopen and its family (libc_shim/dynamic_loading.h) over the
// program's ModuleList. A dlopen'ed object and the libraries it needs are loaded from the
// image like the ones loaded at start, bound in the global scope then their own local scope
// (RTLD_DEEPBIND: the other way round), protected and published to dl_iterate_phdr; libc-shim
// then runs their constructors. A handle is the object's Module (the executable for
// dlopen(NULL)); the kernel-provided libraries (libc.so.6, libm.so.6...) share one handle
// whose symbols are the kernel's exports.
//
// dlclose unloads as glibc does: when the last reference to an object goes, every dlopen'ed
// object that nothing keeps any more (not opened, not DT_NEEDED by an object that stays,
// no object that stays bound a symbol to it, no thread_local destructor pending in it, not
// DF_1_NODELETE or RTLD_NODELETE) is marked unloading; libc-shim runs their destructors
// (dl_api.cpp), then the loader unpublishes and unmaps them and frees their TLS.
//
// An object with PT_TLS gets its block in the static TLS surplus (64 KiB, given back at
// dlclose) when it fits, else dynamic TLS (libc-shim/dynamic_tls.cpp).
//
// FIRST CUT, said in docs/architecture.md: RTLD_LAZY binds now, as every load does here.
#pragma once

namespace linker {

/// Makes the program's loader the one libc-shim's dlopen family uses. Called once, when
/// the program's own objects are loaded and relocated.
void enable_dynamic_loading();

} // namespace linker
