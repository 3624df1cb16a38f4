// Kernel side of the linker, stage 1: mapping an ELF file of the root filesystem into the
// address space and decoding it. Segments map the image's pages privately (shared until
// written, like ld.so's file mappings); only .bss beyond the last file page is anonymous.
#pragma once

#include "module_symbols.h"

#include <libc_shim/startup.h>
#include <linker/elf_image.h>
#include <linker/loaded_object.h>

#include <optional>
#include <string_view>

namespace linker {

/// One loaded ELF object. Allocated once and never moved: crash-report sources, link_map
/// entries and dlopen handles point into it.
struct Module {
    char path[256];
    uint32_t file_number = 0;    // its file in the root image (one object per file)
    Module* loaded_by = nullptr; // whose DT_NEEDED loaded it (null: the executable, or dlopen)
    Module* next = nullptr;      // ModuleList links, in load order
    Module* previous = nullptr;
    ElfImage image;
    LoadedObject object;
    uint64_t tls_module = 0;              // its TLS module id, from 1 in load order (0: no PT_TLS)
    int64_t tls_offset = 0;               // thread-pointer offset of its static TLS block (0: no PT_TLS)
    bool tls_dynamic = false;             // its TLS is dynamic: blocks made per thread (no tls_offset)
    std::optional<ModuleSymbols> symbols; // names its functions in crash reports, once loaded
    libc_shim::LoadedObjectInfo info {};  // what start-up, dl_iterate_phdr and _dl_find_object see
    bool global = true;                   // in the global scope (loaded at start, or dlopen'ed RTLD_GLOBAL)
    unsigned open_count = 0;              // dlopen calls not yet matched by dlclose

    // What keeps a dlopen'ed object loaded (dl_loader.cpp): its open count, the objects that
    // need it (DT_NEEDED), and those that bound symbols to it from outside their DT_NEEDED
    // closure (glibc's l_reldeps), which `uses` records on the binding side.
    static constexpr size_t kMaxUses = 16;
    bool unloadable = false;     // dlopen'ed, without DF_1_NODELETE or RTLD_NODELETE
    Module* uses[kMaxUses] = {}; // unloadable objects it bound symbols to
    size_t use_count = 0;
    bool reached = false; // scratch: dlclose's walk from what stays
    /// Records that this object bound a symbol to `definer`. Past kMaxUses uses, `definer`
    /// is kept for good rather than tracked.
    void note_use(Module& definer);
    /// dlclose is unloading it: no lookup by name finds it any more.
    bool leaving() const { return info.unloading; }
};

enum class ModuleKind { Executable, Library };

/// Maps and decodes `path` into `module` (an executable at Linux's non-ASLR PIE base,
/// a library anywhere). Errors: ENOENT, ENOEXEC (malformed, with the reason), ENOMEM.
lib::Result<void> load_module(std::string_view path, ModuleKind kind, Module& module);
/// Undoes a successful load_module of an object that will never run (a failed dlopen):
/// its crash-report source and its mappings go.
void unload_module(Module& module);
/// After relocation: applies each segment's protection (RELRO becomes read-only).
lib::Result<void> protect_module(const Module& module);
/// Each segment's protection alone, as Linux's execve leaves a static executable (its own
/// start-up relocates it and makes RELRO read-only).
lib::Result<void> protect_segments(const Module& module);
/// Whether the executable brings its own start-up and libc: no PT_INTERP and no DT_NEEDED
/// (a static executable, or a static PIE that relocates itself). The kernel then only maps
/// it and enters it, as Linux's execve does without an interpreter.
inline bool self_contained(const Module& executable)
{
    return !executable.image.plan().interp && executable.object.needed().empty();
}

} // namespace linker
