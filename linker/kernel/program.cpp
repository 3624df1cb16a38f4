// run_program: loads the executable and its libraries, binds them, prepares the start-up
// contract for libc-shim (libc_shim/startup.h) and the initial stack, and enters _start.
#include <linker/initial_stack.h>
#include "binding_scope.h"
#include "dl_loader.h"
#include "library_search.h"
#include "module_loader.h"
#include "startup_tables.h"
#include <linker/program.h>

#include <kernel/arch/x86_64/idt.h>
#include <kernel/console/log.h>
#include <kernel/entropy/random_source.h>
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
    const Module& exe = *program_modules().first();
    unsigned a, b, c, d; // leaf 1 exists on every x86-64 CPU
    __cpuid(1, a, b, c, d);
    AuxEntry aux[] = {
        { AT_PHDR, exe.object.bias() + exe.image.phdr_vaddr() },
        { AT_PHENT, sizeof(elf::ProgramHeader) },
        { AT_PHNUM, exe.image.phnum() },
        { AT_PAGESZ, 4096 },
        { AT_BASE, 0 },
        { AT_FLAGS, 0 },
        { AT_ENTRY, exe.object.bias() + exe.image.entry() },
        { AT_UID, 0 },
        { AT_EUID, 0 },
        { AT_GID, 0 },
        { AT_EGID, 0 },
        { AT_HWCAP, d },
        { AT_CLKTCK, 100 },
        { AT_SECURE, 0 },
        { AT_HWCAP2, 0 },
    };
    InitialStackSpec spec { argv, envp, aux, argv[0], {} };
    entropy::random_bytes(spec.random_bytes, sizeof(spec.random_bytes)); // AT_RANDOM
    auto stack = TRY(build_initial_stack(std::span(reinterpret_cast<std::byte*>(base), kStackSize), base, spec));
    return stack.stack_pointer;
}

/// A static executable (or static PIE): its own libc relocates it, sets up its TLS with
/// arch_prctl and makes system calls with the syscall instruction; the kernel maps it,
/// builds Linux's initial stack and enters it.
lib::Error run_self_contained(
    Module& executable, std::span<const std::string_view> argv, std::span<const std::string_view> envp)
{
    auto stack_pointer = build_stack(argv, envp);
    if (stack_pointer.is_error())
        return stack_pointer.error();
    if (auto r = protect_segments(executable); r.is_error())
        return r.error();
    klog::info(klog::Subsystem::Linker, "entering {} (static: its own libc)", executable.path);
    arch::note_program_started();
    osprey_enter_program(executable.object.bias() + executable.image.entry(), stack_pointer.value());
}

} // namespace

lib::Error run_program(std::span<const std::string_view> argv, std::span<const std::string_view> envp)
{
    ModuleList& modules = program_modules();
    auto* executable = new Module;
    if (auto loaded = load_module(argv[0], ModuleKind::Executable, *executable); loaded.is_error()) {
        delete executable;
        return loaded.error();
    }
    modules.append(*executable);
    if (self_contained(*executable))
        return run_self_contained(*executable, argv, envp);
    if (auto r = load_dependencies(modules, *executable, environment_value(envp, "LD_LIBRARY_PATH")); r.is_error())
        return r.error();
    if (auto r = plan_static_tls(modules); r.is_error())
        return r.error();
    // The stack first: ld.so's __libc_stack_end must hold its final value before COPY
    // relocations copy it (programs that import it keep their copy in RELRO).
    auto stack_pointer = build_stack(argv, envp);
    if (stack_pointer.is_error())
        return stack_pointer.error();
    libc_shim::set_libc_stack_end(reinterpret_cast<void*>(stack_pointer.value()));
    auto scope = BindingScope::for_modules(modules);
    if (scope.is_error())
        return scope.error();
    scope.value().add_global(modules);
    if (auto r = relocate_from(*executable, scope.value().modules()); r.is_error())
        return r.error();
    enable_dynamic_loading();
    for (Module* m = modules.first(); m; m = m->next)
        publish_object(*m);
    order_initialization(modules, *executable);
    klog::info(klog::Subsystem::Linker, "entering {} ({} objects, {} kernel exports)", executable->path, modules.size(),
        libc_shim::export_count());
    arch::note_program_started();
    osprey_enter_program(executable->object.bias() + executable->image.entry(), stack_pointer.value());
}

} // namespace linker
