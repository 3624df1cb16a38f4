#include "startup_tables.h"

#include <linker/tls.h>

#include <libc_shim/startup.h>

namespace linker {

namespace {

libc_shim::ObjectInit init_of(const Module& m)
{
    const auto& d = m.object.dynamic();
    uint64_t b = m.object.bias();
    auto fn = [&](uint64_t v) { return v ? reinterpret_cast<libc_shim::FiniFunction>(b + v) : nullptr; };
    return { m.path, fn(d.init), reinterpret_cast<libc_shim::InitFunction*>(b + d.init_array), d.init_arraysz / 8,
        reinterpret_cast<libc_shim::InitFunction*>(b + d.preinit_array), d.preinit_arraysz / 8,
        fn(d.fini), reinterpret_cast<libc_shim::FiniFunction*>(b + d.fini_array), d.fini_arraysz / 8 };
}

} // namespace

lib::Result<void> plan_static_tls(std::span<Module> modules)
{
    auto& startup = libc_shim::program_startup();
    TlsSegment segments[libc_shim::ProgramStartup::kMaxObjects];
    Module* owners[libc_shim::ProgramStartup::kMaxObjects];
    size_t count = 0;
    for (Module& m : modules) {
        if (const elf::ProgramHeader* tls = m.image.tls()) {
            segments[count] = TlsSegment { tls->vaddr, tls->filesz, tls->memsz, tls->align ? tls->align : 1 };
            owners[count++] = &m;
        }
    }
    int64_t offsets[libc_shim::ProgramStartup::kMaxObjects];
    StaticTlsLayout layout = TRY(layout_static_tls(std::span(segments, count), std::span(offsets, count)));
    for (size_t i = 0; i < count; ++i) {
        owners[i]->tls_module = i + 1;
        owners[i]->tls_offset = offsets[i];
        const TlsSegment& s = segments[i];
        startup.tls_modules[i] = { reinterpret_cast<const void*>(owners[i]->object.bias() + s.vaddr), s.filesz, s.memsz,
            s.align, offsets[i] };
    }
    startup.tls = { startup.tls_modules, count, layout.size, layout.align };
    return {};
}

void record_startup_tables(std::span<const Module> modules)
{
    auto& startup = libc_shim::program_startup();
    startup.executable = init_of(modules[0]);
    startup.library_count = 0;
    for (size_t i = modules.size(); i-- > 1;) // dependencies before the objects that need them
        startup.libraries[startup.library_count++] = init_of(modules[i]);
}

} // namespace linker
