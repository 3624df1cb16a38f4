#include "module_list.h"

namespace linker {

void ModuleList::append(Module& module)
{
    module.previous = m_last;
    module.next = nullptr;
    (m_last ? m_last->next : m_first) = &module;
    m_last = &module;
    ++m_size;
}

Module* ModuleList::cut_after(Module* keep)
{
    Module* cut = keep ? keep->next : m_first;
    for (Module* m = cut; m; m = m->next)
        --m_size;
    if (keep)
        keep->next = nullptr;
    else
        m_first = nullptr;
    m_last = keep;
    if (cut)
        cut->previous = nullptr;
    return cut;
}

void ModuleList::remove(Module& module)
{
    (module.previous ? module.previous->next : m_first) = module.next;
    (module.next ? module.next->previous : m_last) = module.previous;
    module.next = module.previous = nullptr;
    --m_size;
}

Module* ModuleList::find(std::string_view soname) const
{
    for (Module* m = m_first; m; m = m->next) {
        if (m->leaving())
            continue;
        std::string_view path(m->path);
        if (m->object.soname() == soname
            || (path.ends_with(soname) && path.size() > soname.size() && path[path.size() - soname.size() - 1] == '/'))
            return m;
    }
    return nullptr;
}

Module* ModuleList::with_file(uint32_t file_number) const
{
    for (Module* m = m_first; m; m = m->next)
        if (m->file_number == file_number && !m->leaving())
            return m;
    return nullptr;
}

Module* ModuleList::containing(uint64_t address) const
{
    for (Module* m = m_first; m; m = m->next) {
        uint64_t bias = m->object.bias();
        if (address >= bias + m->image.span_start() && address < bias + m->image.span_end())
            return m;
    }
    return nullptr;
}

ModuleList& program_modules()
{
    static constinit ModuleList list; // constant-initialised: no static constructor runs
    return list;
}

} // namespace linker
