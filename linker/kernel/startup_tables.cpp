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

libc_shim::LoadedObjectInfo object_info(const Module& m, bool executable)
{
    uint64_t bias = m.object.bias();
    const elf::ProgramHeader* eh_frame = m.image.eh_frame_hdr();
    const elf::ProgramHeader* dynamic = m.image.dynamic();
    libc_shim::LoadedObjectInfo info {};
    info.map.l_addr = bias;
    info.map.l_name = const_cast<char*>(executable ? "" : m.path);
    info.map.l_ld = dynamic ? reinterpret_cast<void*>(bias + dynamic->vaddr) : nullptr;
    info.phdr = reinterpret_cast<const void*>(bias + m.image.phdr_vaddr());
    info.phnum = m.image.phdr_vaddr() ? m.image.phnum() : 0;
    info.map_start = bias + m.image.span_start();
    info.map_end = bias + m.image.span_end();
    info.eh_frame_hdr = eh_frame ? reinterpret_cast<const void*>(bias + eh_frame->vaddr) : nullptr;
    info.tls_module = m.tls_module;
    info.tls_offset = m.tls_offset;
    return info;
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
    startup.object_count = 0;
    for (const Module& m : modules)
        startup.objects[startup.object_count++] = object_info(m, &m == &modules[0]);
    for (size_t i = 0; i < startup.object_count; ++i) { // glibc's link_map chain, in load order
        startup.objects[i].map.l_prev = i ? &startup.objects[i - 1].map : nullptr;
        startup.objects[i].map.l_next = i + 1 < startup.object_count ? &startup.objects[i + 1].map : nullptr;
    }
}

} // namespace linker
