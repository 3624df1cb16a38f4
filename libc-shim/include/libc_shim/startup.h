// The contract between the kernel's ELF linker and libc-shim's __libc_start_main.
//
// What the linker does, in this order:
//   0. Builds the initial stack (step 3's contents) and sets __libc_stack_end to its top
//      (set_libc_stack_end), so COPY relocations of it see the final value.
//   1. Loads and relocates the program. For every R_X86_64_COPY relocation bound to a
//      kernel export it copies the bytes and records the copy in program_startup().copies
//      (copy = the program's object, original = the kernel's export address, size).
//   2. Fills program_startup()'s chain of objects (first_object, the executable, then the
//      libraries in load order), each with its DT_PREINIT_ARRAY, DT_INIT, DT_INIT_ARRAY,
//      DT_FINI_ARRAY and DT_FINI, already relocated. Constructors run in reverse load order
//      (dependencies first).
//   3. Builds the Linux initial stack (linker/initial_stack.h) with AT_PHDR/AT_PHNUM/
//      AT_PHENT of the executable, AT_PAGESZ, AT_RANDOM (16 bytes), AT_EXECFN, AT_HWCAP.
//   4. Jumps to the executable's entry point with %rsp at argc and %rdx = 0 (or a function
//      to run at exit, which __libc_start_main registers as glibc registers rtld_fini).
// Nothing in libc-shim may run before step 4 for the program: the program's _start calls
// __libc_start_main (osprey_libc_start_main, start_main.cpp), which then
//   a. initialises musl for the program from the stack (environ, auxv, page size, hwcap,
//      __progname/__progname_full) and the thread pointer: musl's struct pthread at %fs,
//      which is also glibc's TCB for what programs read (self pointer at %fs:0, stack
//      guard at %fs:0x28 from AT_RANDOM with glibc's zero low byte), with the executable's
//      PT_TLS block (found through AT_PHDR) directly below it, at the offset the linker
//      used for its TPOFF relocations: -round_up(p_memsz, p_align). glibc's pointer guard
//      (%fs:0x30) is NOT provided: that slot is musl's tid/errno, and only glibc's own code
//      (PTR_MANGLE), which Osprey replaces with musl, ever reads it. The new struct pthread
//      then gets the main thread's pthread key values, and mimalloc's heap the new thread
//      id (libc-shim/malloc/mimalloc_bridge.h), before anything allocates;
//   b. re-does every COPY whose kernel value changed in (a), so the program's copies of
//      environ, __progname... see the new values (an unchanged one is left alone: const data
//      may sit in the executable's RELRO, read-only by then), and remembers the copies of
//      getopt's variables (glibc_data.h);
//   c. runs the libraries' DT_INIT/DT_INIT_ARRAY (dependencies first), registers the
//      finalizers (libraries' and the executable's DT_FINI_ARRAY/DT_FINI, `fini`, %rdx's
//      function) with atexit, runs the executable's DT_PREINIT_ARRAY, then DT_INIT and
//      DT_INIT_ARRAY when `init` is NULL (glibc >= 2.34 binaries) or `init(argc, argv,
//      envp)` otherwise (older binaries pass __libc_csu_init);
//   d. exit(main(argc, argv, environ)).
// Thread-local storage: the linker lays out the static TLS of every object that has a
// PT_TLS (libc_shim/static_tls.h) and records it in program_startup().tls before step 4;
// musl's thread set-up in (a) builds each thread's blocks and DTV from it (musl_tls.c).
// The same chain of objects answers dl_iterate_phdr and _dl_find_object (loaded_objects.cpp).
#pragma once

#include <libc_shim/static_tls.h>

#include <cstddef>
#include <cstdint>

namespace libc_shim {

using InitFunction = void (*)(int, char**, char**);
using FiniFunction = void (*)();

/// One loaded object's constructors and destructors, relocated (absolute addresses).
/// Arrays may be null when their count is 0.
struct ObjectInit {
    const char* name;
    FiniFunction init; // DT_INIT (called with argc, argv, envp like the array entries)
    InitFunction* init_array;
    size_t init_count;
    InitFunction* preinit_array; // executables only
    size_t preinit_count;
    FiniFunction fini;
    FiniFunction* fini_array;
    size_t fini_count;
};

/// A COPY relocation: the program's copy of a kernel (libc) data object.
struct CopiedData {
    void* copy;
    const void* original;
    size_t size;
};

/// glibc's public struct link_map (<link.h>; layout checked in loaded_objects.cpp).
struct LinkMap {
    uint64_t l_addr; // load bias
    char* l_name;    // "" for the executable, as glibc reports it
    void* l_ld;      // run-time address of the dynamic section
    LinkMap* l_next;
    LinkMap* l_prev;
};

/// One loaded object as start-up, dl_iterate_phdr and _dl_find_object see it. The linker
/// keeps one inside each loaded object; `map`s chain them in load order (the executable
/// first), and `map` is the first member, so a LinkMap* is its LoadedObjectInfo.
struct LoadedObjectInfo {
    LinkMap map;
    ObjectInit init;  // constructors and destructors
    const void* phdr; // run-time address of the program headers
    uint16_t phnum;
    uint64_t map_start, map_end; // the object's reserved span
    const void* eh_frame_hdr;    // PT_GNU_EH_FRAME at run time (null if none)
    size_t tls_module;           // 0: no PT_TLS
    int64_t tls_offset;          // thread-pointer offset of its static TLS block
    bool initialized;            // its constructors have run (start-up, or after dlopen)
    size_t init_order;           // its place in constructor order (from 1; 0: none yet)
    bool unloading;              // dlclose is unloading it: its destructors run, then it goes
    bool finalized;              // (unloading) its destructors have run: it may be unmapped
    unsigned thread_destructors; // threads' thread_local destructors in it still to run
                                 // (they keep it loaded; atomic: threads exit at any time)
};

/// The object after `object` in load order, or null.
inline const LoadedObjectInfo* next_object(const LoadedObjectInfo& object)
{
    return reinterpret_cast<const LoadedObjectInfo*>(object.map.l_next);
}
/// The loaded object whose reserved span contains `address`, or null. With the chain lock
/// (ObjectChainLock) or the loader lock held.
LoadedObjectInfo* loaded_object_containing(const void* address);
/// The object before `object` in load order, or null.
inline LoadedObjectInfo* previous_object(const LoadedObjectInfo& object)
{
    return reinterpret_cast<LoadedObjectInfo*>(object.map.l_prev);
}

/// The program's own allocator, when an executable or library in the global scope defines
/// malloc, realloc and free (jemalloc); null members otherwise (program_allocator.cpp).
struct ProgramAllocator {
    void* (*malloc)(size_t);
    void* (*realloc)(void*, size_t);
    void (*free)(void*);
};

struct ProgramStartup {
    static constexpr size_t kMaxTlsModules = OSPREY_MAX_TLS_MODULES, kMaxCopies = 64;
    LoadedObjectInfo* first_object; // the executable; the rest follow through map.l_next
    LoadedObjectInfo* last_object;
    size_t object_count;
    CopiedData copies[kMaxCopies];
    size_t copy_count;
    osprey_tls_module tls_modules[kMaxTlsModules]; // tls.modules points here
    osprey_static_tls tls;
    ProgramAllocator allocator; // set by find_program_allocator at start-up
    size_t next_init_order;     // the next LoadedObjectInfo::init_order to give
    uint64_t objects_added;     // objects ever published and unpublished (dl_iterate_phdr's
    uint64_t objects_removed;   // dlpi_adds and dlpi_subs)
    uint64_t tls_generation;    // the last osprey_tls_module::generation given
};

/// The calling thread's address at thread-pointer offset `offset` (a static TLS block:
/// LoadedObjectInfo::tls_offset).
inline void* tls_block(int64_t offset)
{
    uint64_t thread_pointer;
    asm("mov %%fs:0, %0" : "=r"(thread_pointer)); // the TCB's self pointer
    return reinterpret_cast<void*>(thread_pointer + uint64_t(offset));
}

/// Filled by the linker before it enters the program; read by __libc_start_main.
ProgramStartup& program_startup();

/// After dlopen published objects at the end of the chain (after `previous_last`, the last
/// object before it): runs their constructors (DT_INIT, DT_INIT_ARRAY with argc, argv,
/// envp) in init_order, each object's dependencies first, as glibc does. Their destructors
/// run at dlclose (finalize_unloading_objects) or at exit with everyone's, in the reverse
/// order.
void initialize_objects_after(const LoadedObjectInfo* previous_last);

/// After dlclose marked objects unloading (LoadedObjectInfo::unloading): runs each one's
/// destructors once (DT_FINI_ARRAY backwards, then DT_FINI; the last constructed first, as
/// glibc does) and marks it finalized. With the loader lock held.
void finalize_unloading_objects();

/// Looks for an allocator the program brings (ProgramAllocator), for the libc functions
/// that return memory the caller frees (strdup, asprintf, getline...). At start-up, once
/// every object is bound.
void find_program_allocator();

/// Points ld.so's _r_debug (the debugger rendezvous, loaded_objects.cpp) at the chain of
/// objects, whose first is `first`: the linker calls it when it publishes the executable.
void publish_debugger_rendezvous(LinkMap& first);

/// Sets ld.so's __libc_stack_end (glibc_data.cpp): the initial stack pointer, `top`.
void set_libc_stack_end(void* top);

/// A glibc import that nothing provides, bound to a stub that reports it when called.
struct MissingSymbol {
    const char* name;    // NUL-terminated copies (the object may be unloaded)
    const char* version; // "" if unversioned
    const char* needed_by;
};

/// Called by missing-symbol stubs: "missing symbol NAME@VERSION needed by LIBRARY", then
/// the program ends with status 127.
extern "C" [[noreturn]] void osprey_missing_symbol(const MissingSymbol* symbol);

} // namespace libc_shim
