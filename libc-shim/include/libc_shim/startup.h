// The contract between the kernel's ELF linker and libc-shim's __libc_start_main: what the
// linker has prepared, handed over before it jumps to the program's entry point.
#pragma once

#include <cstddef>
#include <cstdint>

namespace libc_shim {

using InitFunction = void (*)(int, char**, char**);
using FiniFunction = void (*)();

/// One loaded object's constructors and destructors (DT_INIT, DT_INIT_ARRAY, DT_FINI...).
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

/// A COPY relocation: the program's copy of a libc data object. Re-done after libc is
/// initialised (environ, program_invocation_name... get their values only then).
struct CopiedData {
    void* copy;
    const void* original;
    size_t size;
};

struct ProgramStartup {
    static constexpr size_t kMaxObjects = 64, kMaxCopies = 64;
    ObjectInit libraries[kMaxObjects]; // in constructor order: dependencies first
    size_t library_count;
    ObjectInit executable;
    CopiedData copies[kMaxCopies];
    size_t copy_count;
};

/// Filled by the linker before it enters the program; read by __libc_start_main.
ProgramStartup& program_startup();

/// A glibc import that nothing provides, bound to a stub that reports it when called.
struct MissingSymbol {
    const char* name;    // NUL-terminated, in the importing object's string table
    const char* version; // "" if unversioned
    const char* needed_by;
};

/// Called by missing-symbol stubs: "missing symbol NAME@VERSION needed by LIBRARY", then
/// the program ends with status 127.
extern "C" [[noreturn]] void osprey_missing_symbol(const MissingSymbol* symbol);

} // namespace libc_shim
