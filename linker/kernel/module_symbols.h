// Crash reports name the functions of the program and its libraries: each loaded module
// registers a debug::SymbolSource that looks addresses up in the module's ELF file
// (linker/function_symbols.h) inside the image.
#pragma once

#include "module_loader.h"

namespace linker {

/// Registers `module` (fully loaded; it must stay where it is) with kernel/debug/symbols.
/// At most ProgramStartup::kMaxObjects modules; later ones are left unnamed.
void register_module_symbols(const Module& module);

} // namespace linker
