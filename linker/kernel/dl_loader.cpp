#include "dl_loader.h"
#include "binding_scope.h"
#include "library_search.h"
#include "startup_tables.h"

#include <kernel/console/log.h>
#include <kernel/fs/root_fs.h>
#include <libc_shim/dynamic_loading.h>
#include <libc_shim/exports.h>

namespace linker {

namespace {

// dlopen's modes and dlsym's pseudo-handles, glibc's <bits/dlfcn.h> and <dlfcn.h>.
constexpr int kRtldLazy = 1, kRtldNow = 2, kRtldNoload = 4, kRtldDeepbind = 8, kRtldGlobal = 0x100,
              kRtldNodelete = 0x1000;
constexpr int kKnownModes = kRtldLazy | kRtldNow | kRtldNoload | kRtldDeepbind | kRtldGlobal | kRtldNodelete;
void* const kRtldDefault = nullptr;
void* const kRtldNext = reinterpret_cast<void*>(-1l);

lib::Error error(lib::Errno code, const char* message) { return lib::Error(code, message); }

class ProgramLoader final : public libc_shim::DynamicLoader {
public:
    constexpr ProgramLoader() = default;

    lib::Result<void*> open(const char* path, int flags, const void* caller, const char* ld_library_path) override;
    lib::Result<void*> symbol(void* handle, const char* name, const char* version, const void* caller) override;
    lib::Result<bool> close(void* handle) override;
    void unload() override;
    bool describe(const void* address, libc_shim::AddressInfo& info) override;
    libc_shim::LinkMap* link_map_of(void* handle) override;

private:
    /// The handle of the kernel-provided libraries.
    void* kernel_handle() { return &m_kernel_libraries; }
    Module* module_of_handle(void* handle) const;
    lib::Result<void*> load_new(std::string_view path, int flags, std::string_view ld_library_path);

    char m_kernel_libraries = 0;
    unsigned m_kernel_open_count = 0;
};

/// Where `name` (no '/') is, searched for as a DT_NEEDED of the calling object (or of the
/// executable when a kernel function calls).
lib::Result<std::string_view> locate(
    std::string_view name, const void* caller, const char* ld_library_path, std::span<char> buffer)
{
    const Module* requester = program_modules().containing(reinterpret_cast<uint64_t>(caller));
    if (!requester)
        requester = program_modules().first();
    auto found = find_library(name, *requester, ld_library_path ? ld_library_path : "", buffer);
    if (found.is_error())
        return error(lib::Errno::NOENT, "cannot open shared object file: No such file or directory");
    return found.value();
}

Module* ProgramLoader::module_of_handle(void* handle) const
{
    for (Module* m = program_modules().first(); m; m = m->next)
        if (m == handle)
            return m;
    return nullptr;
}

lib::Result<void*> ProgramLoader::open(const char* path, int flags, const void* caller, const char* ld_library_path)
{
    if ((flags & ~kKnownModes) || !(flags & (kRtldLazy | kRtldNow)))
        return error(lib::Errno::INVAL, "invalid mode for dlopen()");
    ModuleList& modules = program_modules();
    if (!path)
        return static_cast<void*>(modules.first());
    std::string_view name(path);
    char buffer[256];
    if (name.find('/') == std::string_view::npos) {
        if (libc_shim::is_kernel_soname(name)) {
            ++m_kernel_open_count;
            return kernel_handle();
        }
        name = TRY(locate(name, caller, ld_library_path, buffer));
    }
    auto node = fs::root_image().lookup(name);
    if (node.is_error())
        return error(lib::Errno::NOENT, "cannot open shared object file: No such file or directory");
    if (Module* loaded = modules.with_file(node.value().number())) {
        ++loaded->open_count;
        if (flags & kRtldGlobal)
            loaded->global = true;
        if (flags & kRtldNodelete)
            loaded->unloadable = false;
        return static_cast<void*>(loaded);
    }
    if (flags & kRtldNoload)
        return static_cast<void*>(nullptr);
    return load_new(name, flags, ld_library_path ? ld_library_path : "");
}

/// Undoes a failed dlopen: every module after `keep` goes.
void roll_back(ModuleList& modules, Module* keep)
{
    for (Module* m = modules.cut_after(keep); m;) {
        Module* next = m->next;
        unload_module(*m);
        delete m;
        m = next;
    }
}

lib::Result<void> bind_new(ModuleList& modules, Module& root, int flags)
{
    for (Module* m = &root; m; m = m->next) {
        m->global = false;
        m->unloadable = !(flags & kRtldNodelete) && !m->object.dynamic().nodelete();
        if (m->image.tls())
            TRY(place_dlopen_tls(modules, *m));
    }
    BindingScope scope = TRY(BindingScope::for_modules(modules));
    if (flags & kRtldDeepbind)
        scope.add_local(modules, root);
    scope.add_global(modules);
    scope.add_local(modules, root);
    return relocate_from(root, scope.modules());
}

lib::Result<void*> ProgramLoader::load_new(std::string_view path, int flags, std::string_view ld_library_path)
{
    ModuleList& modules = program_modules();
    Module* previous_last = modules.last();
    auto* root = new Module;
    if (auto loaded = load_module(path, ModuleKind::Library, *root); loaded.is_error()) {
        delete root;
        return loaded.error();
    }
    if (root->object.dynamic().pie()) { // glibc 2.30 refuses these too
        unload_module(*root);
        delete root;
        return error(lib::Errno::NOEXEC, "cannot dynamically load position-independent executable");
    }
    modules.append(*root);
    auto bound = load_dependencies(modules, *root, ld_library_path);
    if (!bound.is_error())
        bound = bind_new(modules, *root, flags);
    if (bound.is_error()) {
        klog::info(klog::Subsystem::Linker, "dlopen {}: {}", path, bound.error().message);
        roll_back(modules, previous_last);
        count_tls_modules(modules);
        return bound.error();
    }
    bool global = flags & kRtldGlobal;
    for (Module* m = root; m; m = m->next) {
        if (m->tls_module) // may wait for a thread being made, letting the big lock go:
            start_dlopen_tls(*m);
        m->global = global; // so a dlsym meanwhile does not find it yet
        publish_object(*m);
    }
    order_initialization(modules, *root);
    root->open_count = 1;
    klog::info(klog::Subsystem::Linker, "dlopen {}: {} objects loaded", path, modules.size());
    return static_cast<void*>(root);
}

/// Each object `m` needs to stay: its DT_NEEDED and the objects it bound symbols to.
template<typename Visit> void for_each_dependency(const ModuleList& modules, const Module& m, Visit visit)
{
    for (uint32_t offset : m.object.needed()) {
        std::string_view soname = m.object.string(offset);
        if (libc_shim::is_kernel_soname(soname))
            continue;
        if (Module* needed = modules.find(soname))
            visit(*needed);
    }
    for (size_t i = 0; i < m.use_count; ++i)
        visit(*m.uses[i]);
}

/// Marks unloading each dlopen'ed object that nothing keeps: not opened, not needed by an
/// object that stays, no thread_local destructor of a thread pending in it. Returns
/// whether it marked any.
bool mark_unused(const ModuleList& modules)
{
    for (Module* m = modules.first(); m; m = m->next)
        m->reached
            = !m->unloadable || m->open_count > 0 || __atomic_load_n(&m->info.thread_destructors, __ATOMIC_RELAXED) > 0;
    for (bool changed = true; changed;) { // until the set of objects that stay is closed
        changed = false;
        for (Module* m = modules.first(); m; m = m->next) {
            if (!m->reached || m->leaving())
                continue;
            for_each_dependency(modules, *m, [&](Module& needed) {
                changed |= !needed.reached;
                needed.reached = true;
            });
        }
    }
    bool marked = false;
    for (Module* m = modules.first(); m; m = m->next) {
        if (m->reached || m->leaving())
            continue;
        m->info.unloading = true;
        m->info.finalized = !m->info.initialized; // no constructor ran: no destructor to run
        marked = true;
    }
    return marked;
}

lib::Result<bool> ProgramLoader::close(void* handle)
{
    if (handle == kernel_handle() && m_kernel_open_count > 0) {
        --m_kernel_open_count;
        return false;
    }
    Module* m = module_of_handle(handle);
    if (!m || (m != program_modules().first() && m->open_count == 0))
        return error(lib::Errno::INVAL, "invalid handle");
    if (m->open_count)
        --m->open_count;
    return m->open_count == 0 && mark_unused(program_modules());
}

void ProgramLoader::unload()
{
    ModuleList& modules = program_modules();
    for (Module* m = modules.first(); m;) {
        Module* next = m->next;
        if (m->leaving() && m->info.finalized) {
            klog::info(klog::Subsystem::Linker, "dlclose: unloading {}", m->path);
            unpublish_object(*m);
            if (m->tls_module)
                end_dlopen_tls(*m);
            modules.remove(*m);
            // An object it loaded that stays (another needs it) now hangs from its loader:
            // the DT_RPATH chain a later search walks (library_search.cpp) stays valid.
            for (Module* other = modules.first(); other; other = other->next)
                if (other->loaded_by == m)
                    other->loaded_by = m->loaded_by;
            unload_module(*m);
            delete m;
        }
        m = next;
    }
    count_tls_modules(modules);
}

/// The run-time address `definition` of `m` stands for: a TLS variable's address in the
/// calling thread, an IFUNC's implementation.
uint64_t address_of(const Module& m, const Definition& definition)
{
    uint8_t type = elf::symbol_type(*definition.symbol);
    if (type == elf::STT_TLS && m.tls_dynamic) // the calling thread's block, made if need be
        return reinterpret_cast<uint64_t>(osprey_dynamic_tls_block(m.tls_module)) + definition.symbol->value;
    if (type == elf::STT_TLS)
        return reinterpret_cast<uint64_t>(libc_shim::tls_block(m.tls_offset)) + definition.symbol->value;
    if (type == elf::STT_GNU_IFUNC)
        return reinterpret_cast<uint64_t (*)()>(definition.address)();
    return definition.address;
}

/// The first definition of `name` in `m`, as a run-time address.
std::optional<uint64_t> defined_in(const Module& m, std::string_view name, std::string_view version)
{
    auto definition = m.object.lookup(name, version);
    return definition ? std::optional(address_of(m, *definition)) : std::nullopt;
}

lib::Result<void*> ProgramLoader::symbol(void* handle, const char* name, const char* version, const void* caller)
{
    ModuleList& modules = program_modules();
    std::string_view wanted(name), wanted_version(version ? version : "");
    std::optional<uint64_t> found;
    if (handle == kRtldDefault || handle == kRtldNext || handle == modules.first()) {
        // The global scope; for RTLD_NEXT, the part after the calling object.
        Module* start = modules.first();
        Module* caller_module = modules.containing(reinterpret_cast<uint64_t>(caller));
        if (handle == kRtldNext)
            start = caller_module ? caller_module->next : nullptr;
        for (Module* m = start; m && !found; m = m->next) {
            if (!m->global || m->leaving())
                continue;
            found = defined_in(*m, wanted, wanted_version);
            // A dlopen'ed object that found it in another keeps that one loaded, as its
            // relocations would (glibc's DL_LOOKUP_ADD_DEPENDENCY).
            if (found && caller_module)
                caller_module->note_use(*m);
        }
    } else if (handle != kernel_handle()) {
        Module* m = module_of_handle(handle);
        if (!m)
            return error(lib::Errno::INVAL, "invalid handle");
        BindingScope scope = TRY(BindingScope::for_modules(modules));
        scope.add_local(modules, *m);
        for (size_t i = 0; i < scope.modules().size() && !found; ++i)
            found = defined_in(*scope.modules()[i], wanted, wanted_version);
    }
    if (found)
        return reinterpret_cast<void*>(*found);
    if (const auto* e = libc_shim::find_export(wanted, wanted_version))
        return reinterpret_cast<void*>(e->address);
    return error(lib::Errno::NOENT, "undefined symbol");
}

/// The defined symbol of `m` nearest at or below `address` that covers it (or has no
/// size), as glibc's _dl_addr picks it; null if none.
const elf::Symbol* nearest_symbol(const Module& m, uint64_t address)
{
    const elf::Symbol* best = nullptr;
    for (uint32_t i = 1; i < m.object.symbol_count(); ++i) {
        const elf::Symbol* s = m.object.symbol(i);
        uint8_t type = elf::symbol_type(*s);
        if (s->shndx == elf::SHN_UNDEF
            || (type != elf::STT_FUNC && type != elf::STT_OBJECT && type != elf::STT_GNU_IFUNC))
            continue;
        uint64_t start = m.object.bias() + s->value;
        if (start > address || (s->size && address >= start + s->size))
            continue;
        if (!best || s->value > best->value)
            best = s;
    }
    return best;
}

bool ProgramLoader::describe(const void* address, libc_shim::AddressInfo& info)
{
    Module* m = program_modules().containing(reinterpret_cast<uint64_t>(address));
    if (!m)
        return false;
    const elf::Symbol* s = nearest_symbol(*m, reinterpret_cast<uint64_t>(address));
    info = libc_shim::AddressInfo { m->path, reinterpret_cast<void*>(m->info.map_start), nullptr, nullptr, &m->info.map,
        s };
    if (s) {
        info.symbol = m->object.string(s->name).data(); // NUL-terminated in the string table
        info.symbol_address = reinterpret_cast<void*>(m->object.bias() + s->value);
    }
    return true;
}

libc_shim::LinkMap* ProgramLoader::link_map_of(void* handle)
{
    Module* m = module_of_handle(handle);
    return m ? &m->info.map : nullptr;
}

} // namespace

ProgramLoader& program_loader()
{
    static constinit ProgramLoader loader;
    return loader;
}

void enable_dynamic_loading() { libc_shim::set_dynamic_loader(program_loader()); }

} // namespace linker
