// Kernel side of the linker: the scopes symbols are bound in (glibc's ld.so, "lookup
// scope"): the global scope (the executable, the libraries loaded at start, then objects
// dlopen'ed with RTLD_GLOBAL, in load order) and an object's local scope (the object and
// its DT_NEEDED closure, breadth first), and the relocation of newly loaded modules in one.
#pragma once

#include "module_list.h"

#include <cstdlib>
#include <span>

namespace linker {

/// A scope under construction: Module pointers in search order, each at most once.
class BindingScope {
public:
    /// Room for every module of `modules`. Error: ENOMEM.
    static lib::Result<BindingScope> for_modules(const ModuleList& modules);
    BindingScope(BindingScope&& other) : m_modules(other.m_modules), m_size(other.m_size), m_capacity(other.m_capacity)
    {
        other.m_modules = nullptr;
    }
    ~BindingScope() { free(m_modules); }

    /// Appends the global scope.
    void add_global(const ModuleList& modules);
    /// Appends `root`'s local scope: it, then its DT_NEEDED closure among `modules`.
    void add_local(const ModuleList& modules, Module& root);
    std::span<Module* const> modules() const { return { m_modules, m_size }; }

private:
    BindingScope(Module** modules, size_t capacity) : m_modules(modules), m_capacity(capacity) { }
    void add(Module& module);

    Module** m_modules;
    size_t m_size = 0;
    size_t m_capacity;
};

/// Relocates `first` and every module after it (the last first, so a COPY reads
/// relocated data), binding in `scope`, and applies each one's protections.
/// Errors: the first relocation or protection error (logged with the module's path).
lib::Result<void> relocate_from(Module& first, std::span<Module* const> scope);

} // namespace linker
