// Crash reports name the functions of the program and its libraries: each loaded module
// carries a debug::SymbolSource that looks addresses up in the module's ELF file
// (linker/function_symbols.h) inside the image.
#pragma once

#include <kernel/debug/symbols.h>

#include <cstddef>
#include <span>

namespace linker {

struct Module;

/// The symbol source of one loaded module; lives inside its Module (module_loader.h).
class ModuleSymbols final : public debug::SymbolSource {
public:
    explicit ModuleSymbols(const Module& module);

    // The image is in memory for the life of the VM and find_function_symbol reads only
    // inside it, so this is safe in crash context.
    bool find_function(uintptr_t address, const char*& name, uintptr_t& function_start) const override;

private:
    std::span<const std::byte> m_file;
};

/// Registers `module` (fully loaded; it must stay where it is) with kernel/debug/symbols.
void register_module_symbols(Module& module);

} // namespace linker
