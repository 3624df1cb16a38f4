#include "module_symbols.h"

#include "module_loader.h"

#include <linker/function_symbols.h>

namespace linker {

ModuleSymbols::ModuleSymbols(const Module& module)
    : SymbolSource(module.path, module.object.bias(), module.object.bias() + module.image.span_start(),
        module.object.bias() + module.image.span_end()),
      m_file(module.image.file())
{
}

bool ModuleSymbols::find_function(uintptr_t address, const char*& name, uintptr_t& function_start) const
{
    auto symbol = find_function_symbol(m_file, address - base());
    if (!symbol)
        return false;
    name = symbol->name.data(); // NUL-terminated inside its string table
    function_start = base() + symbol->start;
    return true;
}

void register_module_symbols(Module& module)
{
    module.symbols.emplace(module);
    debug::register_symbol_source(*module.symbols);
}

} // namespace linker
