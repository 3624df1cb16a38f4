// Kernel side of the linker: where a DT_NEEDED library is in the image, in ld.so's order
// (ld.so(8); glibc elf/dl-load.c _dl_map_object): if the object that needs it has no
// DT_RUNPATH, the DT_RPATH of that object and then of each object that loaded it, up to
// the executable (objects with a DT_RUNPATH lend no DT_RPATH; a dlopen'ed object's chain
// ends with the executable's); then LD_LIBRARY_PATH; then
// the object's DT_RUNPATH; then the system directories. The CLI packs libraries where
// these rules find them (tools/closure.cpp); there is no ld.so.cache.
#pragma once

#include "module_loader.h"

#include <span>
#include <string_view>

namespace linker {

/// Finds `soname`, needed by `needer` (whose loaded_by chain leads to the object that
/// loaded the first of them), and writes its image path into `path`. `ld_library_path` is
/// the program's LD_LIBRARY_PATH ("" if unset). Returns the path, a view of `path`.
/// Error: ENOENT if no directory has it.
lib::Result<std::string_view> find_library(
    std::string_view soname, const Module& needer, std::string_view ld_library_path, std::span<char> path);

class ModuleList;

/// Loads every DT_NEEDED of `from` and of the modules after it in `modules` that the kernel
/// does not provide and that is not loaded yet, breadth first (glibc's scope order),
/// appending each to `modules`. Errors: ELIBBAD (a library is not in the image), those of
/// load_module; the modules loaded before the error stay in the list.
lib::Result<void> load_dependencies(ModuleList& modules, Module& from, std::string_view ld_library_path);

} // namespace linker
