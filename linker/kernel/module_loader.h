// Kernel side of the linker, stage 1: mapping an ELF file of the root filesystem into the
// address space and decoding it. Segments map the image's pages privately (shared until
// written, like ld.so's file mappings); only .bss beyond the last file page is anonymous.
#pragma once

#include "module_symbols.h"

#include <linker/elf_image.h>
#include <linker/loaded_object.h>

#include <optional>
#include <string_view>

namespace linker {

struct Module {
    char path[256];
    size_t loaded_by;    // index of the module whose DT_NEEDED loaded it (0 for the executable)
    ElfImage image;
    LoadedObject object;
    uint64_t tls_module; // its TLS module id, from 1 in load order (0: no PT_TLS)
    int64_t tls_offset;  // thread-pointer offset of its static TLS block (0: no PT_TLS)
    std::optional<ModuleSymbols> symbols; // names its functions in crash reports, once loaded
};

enum class ModuleKind { Executable, Library };

/// Maps and decodes `path` into `module` (an executable at Linux's non-ASLR PIE base,
/// a library anywhere). Errors: ENOENT, ENOEXEC (malformed, with the reason), ENOMEM.
lib::Result<void> load_module(std::string_view path, ModuleKind kind, Module& module);
/// After relocation: applies each segment's protection (RELRO becomes read-only).
lib::Result<void> protect_module(const Module& module);

} // namespace linker
