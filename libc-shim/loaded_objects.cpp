// What the program can ask about its loaded objects, from the table the kernel's linker
// fills (libc_shim/startup.h): dl_iterate_phdr (glibc 2.2.5; musl's static one reports
// only the executable) and _dl_find_object (glibc 2.35, what libgcc's unwinder calls for
// every frame of a C++ exception), and the static TLS layout musl's thread set-up reads.
//
// Kernel code is not reported: it has no program headers or unwind tables a program can
// use, so an exception cannot pass through a kernel function (qsort calling a comparator
// that throws ends in std::terminate). Objects are added at start-up and by dlopen and
// never removed (dlpi_subs stays 0). FIRST CUT: no lock guards the chain (one thread).
//
// Also ld.so's _r_debug, the rendezvous debuggers and some runtimes (GNAT's symbolic
// tracebacks) read the object chain from: version 1, the chain's first link_map, the
// address of a function called when the chain changes (r_brk) and the state, always
// consistent here. The program's COPY of it, if it has one, is refreshed at start
// (glibc_data.h); an object dlopen adds later joins the same chain.
#include <libc_shim/dynamic_loading.h>
#include <libc_shim/startup.h>

#include <cstdint>
#include <dlfcn.h>
#include <link.h>

namespace {

// glibc 2.35's struct dl_find_object (libc-shim builds against glibc's headers).
static_assert(sizeof(dl_find_object) == 96 && offsetof(dl_find_object, dlfo_eh_frame) == 32);
static_assert(sizeof(dl_phdr_info) == 64 && offsetof(dl_phdr_info, dlpi_tls_data) == 56);
static_assert(sizeof(r_debug) == 40 && offsetof(r_debug, r_map) == 8 && offsetof(r_debug, r_ldbase) == 32);
static_assert(sizeof(libc_shim::LinkMap) == 40 && offsetof(link_map, l_prev) == offsetof(libc_shim::LinkMap, l_prev)
    && offsetof(link_map, l_ld) == offsetof(libc_shim::LinkMap, l_ld));

link_map* as_link_map(const libc_shim::LinkMap& map)
{
    return reinterpret_cast<link_map*>(const_cast<libc_shim::LinkMap*>(&map));
}

dl_phdr_info phdr_info(const libc_shim::LoadedObjectInfo& object, const libc_shim::ProgramStartup& startup)
{
    dl_phdr_info info {};
    info.dlpi_addr = object.map.l_addr;
    info.dlpi_name = object.map.l_name;
    info.dlpi_phdr = static_cast<const ElfW(Phdr)*>(object.phdr);
    info.dlpi_phnum = object.phnum;
    info.dlpi_adds = startup.objects_added; // objects ever added and removed: libgcc caches on them
    info.dlpi_subs = startup.objects_removed;
    info.dlpi_tls_modid = object.tls_module;
    if (object.tls_module && startup.tls.modules[object.tls_module - 1].generation) // dynamic TLS
        info.dlpi_tls_data = osprey_dynamic_tls_peek(object.tls_module);
    else
        info.dlpi_tls_data = object.tls_module ? libc_shim::tls_block(object.tls_offset) : nullptr;
    return info;
}

} // namespace

// <link.h> declares it with C++ linkage, which for a variable is the same plain symbol.
r_debug _r_debug;

extern "C" {

/// r_brk: where a debugger puts its breakpoint to hear of changes to the chain. Never
/// inlined away, so the address stays a function.
[[gnu::noinline]] void osprey_dl_debug_state() { asm volatile(""); }

const osprey_static_tls* osprey_program_static_tls() { return &libc_shim::program_startup().tls; }

/// dl_iterate_phdr(3): calls `callback` for each loaded object, the executable first,
/// until it returns non-zero; returns that value, or 0.
int osprey_dl_iterate_phdr(int (*callback)(dl_phdr_info*, size_t, void*), void* data)
{
    libc_shim::ObjectChainLock chain;
    const auto& startup = libc_shim::program_startup();
    for (const libc_shim::LoadedObjectInfo* o = startup.first_object; o; o = libc_shim::next_object(*o)) {
        dl_phdr_info info = phdr_info(*o, startup);
        if (int result = callback(&info, sizeof(info), data))
            return result;
    }
    return 0;
}

/// _dl_find_object(3): the object whose mapping contains `address`: its span, link_map
/// and PT_GNU_EH_FRAME. Returns 0, or -1 if no loaded object contains it.
int _dl_find_object(void* address, dl_find_object* result) noexcept
{
    libc_shim::ObjectChainLock chain;
    const libc_shim::LoadedObjectInfo* object = libc_shim::loaded_object_containing(address);
    if (!object)
        return -1;
    *result = dl_find_object {};
    result->dlfo_map_start = reinterpret_cast<void*>(object->map_start);
    result->dlfo_map_end = reinterpret_cast<void*>(object->map_end);
    result->dlfo_link_map = as_link_map(object->map);
    result->dlfo_eh_frame = const_cast<void*>(object->eh_frame_hdr);
    return 0;
}

} // extern "C"

libc_shim::LoadedObjectInfo* libc_shim::loaded_object_containing(const void* address)
{
    auto pc = reinterpret_cast<uint64_t>(address);
    for (LoadedObjectInfo* o = program_startup().first_object; o;
         o = reinterpret_cast<LoadedObjectInfo*>(o->map.l_next))
        if (pc >= o->map_start && pc < o->map_end)
            return o;
    return nullptr;
}

void libc_shim::publish_debugger_rendezvous(LinkMap& first)
{
    _r_debug.r_version = 1;
    _r_debug.r_map = as_link_map(first);
    _r_debug.r_brk = reinterpret_cast<ElfW(Addr)>(&osprey_dl_debug_state);
    _r_debug.r_state = r_debug::RT_CONSISTENT;
    _r_debug.r_ldbase = 0; // no ld.so is mapped: the kernel is the interpreter
}
