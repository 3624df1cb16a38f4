// run_program: loads the executable and its libraries, binds them, prepares the start-up
// contract for libc-shim (libc_shim/startup.h) and the initial stack, and enters _start.
#include <linker/initial_stack.h>
#include "library_search.h"
#include "module_loader.h"
#include "startup_tables.h"
#include "symbol_binder.h"
#include <linker/program.h>
#include <linker/relocate.h>

#include <kernel/console/log.h>
#include <kernel/fs/root_fs.h>
#include <kernel/syscall/syscall.h>
#include <libc_shim/exports.h>
#include <libc_shim/startup.h>
#include <mm/address_space.h>
#include <mm/memory.h>

#include <cpuid.h>
#include <cstring>

extern "C" [[noreturn]] void osprey_enter_program(uint64_t entry, uint64_t stack_pointer);

namespace linker {

namespace {

constexpr size_t kStackSize = 1 << 20; // FIRST CUT: populated eagerly; grows with demand paging later

Module g_modules[libc_shim::ProgramStartup::kMaxObjects];
size_t g_module_count;

bool is_loaded(std::string_view soname)
{
    for (size_t i = 0; i < g_module_count; ++i) {
        std::string_view path(g_modules[i].path);
        if (g_modules[i].object.soname() == soname || path.ends_with(soname))
            return true;
    }
    return false;
}

lib::Result<void> load_library(std::string_view soname, size_t needer, std::string_view ld_library_path)
{
    if (g_module_count == libc_shim::ProgramStartup::kMaxObjects)
        return lib::Error(lib::Errno::NOMEM, "more than 64 shared libraries");
    char path[256];
    auto found = find_library(soname, std::span(g_modules, g_module_count), needer, ld_library_path, path);
    if (found.is_error()) {
        klog::error(klog::Subsystem::Linker, "library {} needed by {} is not in the image", soname, g_modules[needer].path);
        return lib::Error(lib::Errno::LIBBAD, "a needed shared library is not in the image");
    }
    Module& module = g_modules[g_module_count];
    if (auto r = load_module(found.value(), ModuleKind::Library, module); r.is_error()) {
        klog::error(klog::Subsystem::Linker, "cannot load {} (needed by {}): {}", found.value(), g_modules[needer].path,
            r.error().message);
        return r.error();
    }
    module.loaded_by = needer;
    ++g_module_count;
    return {};
}

/// Loads every DT_NEEDED not provided by the kernel, breadth first (the glibc scope order).
lib::Result<void> load_dependencies(std::string_view ld_library_path)
{
    for (size_t i = 0; i < g_module_count; ++i) {
        const LoadedObject& object = g_modules[i].object;
        for (uint32_t offset : object.needed()) {
            std::string_view soname = object.string(offset);
            if (libc_shim::is_kernel_soname(soname) || is_loaded(soname))
                continue;
            TRY(load_library(soname, i, ld_library_path));
        }
    }
    return {};
}

std::string_view environment_value(std::span<const std::string_view> envp, std::string_view name)
{
    for (std::string_view entry : envp)
        if (entry.size() > name.size() && entry.starts_with(name) && entry[name.size()] == '=')
            return entry.substr(name.size() + 1);
    return {};
}

lib::Result<uint64_t> build_stack(std::span<const std::string_view> argv, std::span<const std::string_view> envp)
{
    // A PROT_NONE guard page below the stack: an overflow dies with SIGSEGV (139).
    uint64_t guard = TRY(mm::map_anonymous(0, kStackSize + mm::kPageSize, mm::ProtNone, mm::Placement::Anywhere));
    uint64_t base = TRY(mm::map_anonymous(guard + mm::kPageSize, kStackSize, mm::ProtRead | mm::ProtWrite,
        mm::Placement::FixedReplace, mm::AreaRole::Stack));
    const Module& exe = g_modules[0];
    unsigned a, b, c, d; // leaf 1 exists on every x86-64 CPU
    __cpuid(1, a, b, c, d);
    AuxEntry aux[] = {
        { AT_PHDR, exe.object.bias() + exe.image.phdr_vaddr() }, { AT_PHENT, sizeof(elf::ProgramHeader) },
        { AT_PHNUM, exe.image.phnum() }, { AT_PAGESZ, 4096 }, { AT_BASE, 0 }, { AT_FLAGS, 0 },
        { AT_ENTRY, exe.object.bias() + exe.image.entry() }, { AT_UID, 0 }, { AT_EUID, 0 }, { AT_GID, 0 },
        { AT_EGID, 0 }, { AT_HWCAP, d }, { AT_CLKTCK, 100 }, { AT_SECURE, 0 }, { AT_HWCAP2, 0 },
    };
    InitialStackSpec spec { argv, envp, aux, argv[0], {} };
    sys::random_bytes(spec.random_bytes, sizeof(spec.random_bytes)); // AT_RANDOM
    auto stack = TRY(build_initial_stack(std::span(reinterpret_cast<std::byte*>(base), kStackSize), base, spec));
    return stack.stack_pointer;
}

} // namespace

lib::Error run_program(std::span<const std::string_view> argv, std::span<const std::string_view> envp)
{
    auto loaded = load_module(argv[0], ModuleKind::Executable, g_modules[0]);
    if (loaded.is_error())
        return loaded.error();
    g_modules[0].loaded_by = 0;
    g_module_count = 1;
    if (auto r = load_dependencies(environment_value(envp, "LD_LIBRARY_PATH")); r.is_error())
        return r.error();
    auto modules = std::span(g_modules, g_module_count);
    if (auto r = plan_static_tls(modules); r.is_error())
        return r.error();
    // The stack first: ld.so's __libc_stack_end must hold its final value before COPY
    // relocations copy it (programs that import it keep their copy in RELRO).
    auto stack_pointer = build_stack(argv, envp);
    if (stack_pointer.is_error())
        return stack_pointer.error();
    libc_shim::set_libc_stack_end(reinterpret_cast<void*>(stack_pointer.value()));
    SymbolBinder binder(std::span(g_modules, g_module_count));
    for (size_t i = g_module_count; i-- > 0;) { // libraries first: COPY reads their data
        if (auto r = relocate(g_modules[i].object, binder); r.is_error()) {
            klog::error(klog::Subsystem::Linker, "relocating {} failed", g_modules[i].path);
            return r.error();
        }
        if (auto r = protect_module(g_modules[i]); r.is_error())
            return r.error();
    }
    record_startup_tables(modules);
    const Module& exe = g_modules[0];
    klog::info(klog::Subsystem::Linker, "entering {} ({} objects, {} kernel exports)", exe.path, g_module_count, libc_shim::export_count());
    mm::note_program_started();
    osprey_enter_program(exe.object.bias() + exe.image.entry(), stack_pointer.value());
}

} // namespace linker
