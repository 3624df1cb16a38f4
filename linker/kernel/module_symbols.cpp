#include "module_symbols.h"

#include <kernel/debug/symbols.h>
#include <libc_shim/startup.h>
#include <linker/function_symbols.h>

#include <new>

namespace linker {

namespace {

class ModuleSymbols final : public debug::SymbolSource {
public:
    ModuleSymbols(const Module& module)
        : SymbolSource(module.path, module.object.bias(), module.object.bias() + module.image.span_start(),
              module.object.bias() + module.image.span_end())
        , m_file(module.image.file())
    {
    }

    // The image is in memory for the life of the VM and find_function_symbol reads only
    // inside it, so this is safe in crash context.
    bool find_function(uintptr_t address, const char*& name, uintptr_t& function_start) const override
    {
        auto symbol = find_function_symbol(m_file, address - base());
        if (!symbol)
            return false;
        name = symbol->name.data(); // NUL-terminated inside its string table
        function_start = base() + symbol->start;
        return true;
    }

private:
    std::span<const std::byte> m_file;
};

constexpr size_t kSlots = libc_shim::ProgramStartup::kMaxObjects;
alignas(ModuleSymbols) unsigned char g_storage[kSlots][sizeof(ModuleSymbols)];
size_t g_used;

} // namespace

void register_module_symbols(const Module& module)
{
    if (g_used == kSlots)
        return;
    auto* source = new (g_storage[g_used++]) ModuleSymbols(module);
    debug::register_symbol_source(*source);
}

} // namespace linker
