#include "binding_scope.h"
#include "symbol_binder.h"

#include <kernel/console/log.h>
#include <libc_shim/exports.h>
#include <linker/relocate.h>

#include <cstdlib>

namespace linker {

lib::Result<BindingScope> BindingScope::for_modules(const ModuleList& modules)
{
    size_t capacity = modules.size() ? modules.size() : 1;
    auto* storage = static_cast<Module**>(malloc(capacity * sizeof(Module*)));
    if (!storage)
        return lib::Error(lib::Errno::NOMEM, "no memory for a binding scope");
    return BindingScope(storage, capacity);
}

void BindingScope::add(Module& module)
{
    for (size_t i = 0; i < m_size; ++i)
        if (m_modules[i] == &module)
            return;
    if (m_size < m_capacity)
        m_modules[m_size++] = &module;
}

void BindingScope::add_global(const ModuleList& modules)
{
    for (Module* m = modules.first(); m; m = m->next)
        if (m->global && !m->leaving())
            add(*m);
}

void BindingScope::add_local(const ModuleList& modules, Module& root)
{
    size_t start = m_size;
    add(root);
    // Breadth first over DT_NEEDED, from the entries this call added.
    for (size_t i = start; i < m_size; ++i) {
        const LoadedObject& object = m_modules[i]->object;
        for (uint32_t offset : object.needed()) {
            std::string_view soname = object.string(offset);
            if (libc_shim::is_kernel_soname(soname))
                continue;
            if (Module* needed = modules.find(soname))
                add(*needed);
        }
    }
}

lib::Result<void> relocate_from(Module& first, std::span<Module* const> scope)
{
    Module* m = &first;
    while (m->next)
        m = m->next;
    for (;; m = m->previous) {
        SymbolBinder binder(scope, *m);
        if (auto r = relocate(m->object, tls_of(*m), binder); r.is_error()) {
            klog::error(klog::Subsystem::Linker, "relocating {} failed", m->path);
            return r.error();
        }
        TRY(protect_module(*m));
        if (m == &first)
            return {};
    }
}

} // namespace linker
