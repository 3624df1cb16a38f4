// The program's loaded objects, in load order: the executable first, then the libraries
// loaded at start (breadth first, glibc's global scope order). There is one list, the
// program's (program_modules()), until a Process object owns it.
//
// FIRST CUT: no lock. The program's one thread changes the list (at start, and in dlopen);
// the threads issue must guard it before dlopen can run beside other threads.
#pragma once

#include "module_loader.h"

#include <string_view>

namespace linker {

class ModuleList {
public:
    constexpr ModuleList() = default;

    Module* first() const { return m_first; }
    Module* last() const { return m_last; }
    size_t size() const { return m_size; }
    /// Appends `module` (not in a list) at the end.
    void append(Module& module);
    /// Takes the modules after `keep` (null: all) out of the list; returns the first of
    /// them, still chained through `next`.
    Module* cut_after(Module* keep);
    /// Takes `module` (in the list) out of it.
    void remove(Module& module);
    /// The loaded object whose DT_SONAME is `soname`, or whose path ends in "/soname";
    /// null if none. Objects dlclose is unloading are not found by name.
    Module* find(std::string_view soname) const;
    /// The object loaded from image file `file_number`; null if none (nor one leaving).
    Module* with_file(uint32_t file_number) const;
    /// The object whose reserved span contains `address`; null if none.
    Module* containing(uint64_t address) const;

private:
    Module* m_first = nullptr;
    Module* m_last = nullptr;
    size_t m_size = 0;
};

/// The program's objects.
ModuleList& program_modules();

} // namespace linker
