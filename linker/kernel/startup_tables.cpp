#include "startup_tables.h"

#include <linker/tls.h>

#include <libc_shim/exports.h>
#include <libc_shim/startup.h>

#include <algorithm>
#include <optional>

namespace linker {

namespace {

constexpr uint64_t kDlopenTlsAlign = 64;

libc_shim::ObjectInit init_of(const Module& m)
{
    const auto& d = m.object.dynamic();
    uint64_t b = m.object.bias();
    auto fn = [&](uint64_t v) { return v ? reinterpret_cast<libc_shim::FiniFunction>(b + v) : nullptr; };
    // An array's size counts only with the array's own tag, as glibc's ld.so reads them: a
    // DT_FINI_ARRAYSZ without DT_FINI_ARRAY is no array (not one at the object's start).
    auto count = [](uint64_t array, uint64_t size) { return array ? size / 8 : 0; };
    return { m.path, fn(d.init), reinterpret_cast<libc_shim::InitFunction*>(b + d.init_array),
        count(d.init_array, d.init_arraysz), reinterpret_cast<libc_shim::InitFunction*>(b + d.preinit_array),
        count(d.preinit_array, d.preinit_arraysz), fn(d.fini),
        reinterpret_cast<libc_shim::FiniFunction*>(b + d.fini_array), count(d.fini_array, d.fini_arraysz) };
}

libc_shim::LoadedObjectInfo object_info(const Module& m, bool executable)
{
    uint64_t bias = m.object.bias();
    const elf::ProgramHeader* eh_frame = m.image.eh_frame_hdr();
    const elf::ProgramHeader* dynamic = m.image.dynamic();
    libc_shim::LoadedObjectInfo info {};
    info.init = init_of(m);
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

/// Gives `module` TLS module id `id` (1-based) at thread-pointer offset `offset` (or, with
/// `generation` other than 0, in dynamic TLS), and the record of it every thread's block is
/// built from.
void place_tls_module(Module& module, const TlsSegment& segment, size_t id, int64_t offset, uint64_t generation = 0)
{
    module.tls_module = id;
    module.tls_offset = offset;
    module.tls_dynamic = generation != 0;
    auto* image = reinterpret_cast<const void*>(module.object.bias() + segment.vaddr);
    libc_shim::program_startup().tls_modules[id - 1]
        = { image, segment.filesz, segment.memsz, segment.align, offset, generation };
}

constexpr const char* kTooManyTlsModules = "more than 64 objects with thread-local storage";

} // namespace

lib::Result<void> plan_static_tls(const ModuleList& modules)
{
    auto& startup = libc_shim::program_startup();
    constexpr size_t kMax = libc_shim::ProgramStartup::kMaxTlsModules;
    TlsSegment segments[kMax];
    Module* owners[kMax];
    size_t count = 0;
    for (Module* m = modules.first(); m; m = m->next) {
        const std::optional<TlsSegment>& tls = m->image.plan().tls;
        if (!tls)
            continue;
        if (count == kMax)
            return lib::Error(lib::Errno::TOOBIG, kTooManyTlsModules);
        segments[count] = *tls;
        owners[count++] = m;
    }
    int64_t offsets[kMax];
    StaticTlsLayout layout = TRY(layout_static_tls(std::span(segments, count), std::span(offsets, count)));
    for (size_t i = 0; i < count; ++i)
        place_tls_module(*owners[i], segments[i], i + 1, offsets[i]);
    // The thread pointer gets at least a cache line's alignment, so dlopen'ed modules that
    // ask for up to that much fit in the surplus.
    uint64_t align = layout.align > kDlopenTlsAlign ? layout.align : kDlopenTlsAlign;
    startup.tls = { startup.tls_modules, count, layout.size, align, layout.size + OSPREY_STATIC_TLS_SURPLUS };
    return {};
}

lib::Result<void> place_dlopen_tls(const ModuleList& modules, Module& module)
{
    constexpr size_t kMax = libc_shim::ProgramStartup::kMaxTlsModules;
    auto& startup = libc_shim::program_startup();
    osprey_static_tls& layout = startup.tls;
    const TlsSegment& segment = *module.image.plan().tls;
    // The ids and static blocks of every other object with TLS: the new one takes the
    // lowest free id and the gap nearest the thread pointer (those dlclose'd objects left
    // included), else dynamic TLS.
    TlsBlock used[kMax];
    bool id_taken[kMax + 1] = {};
    size_t count = 0;
    for (Module* m = modules.first(); m; m = m->next) {
        if (m == &module || !m->tls_module)
            continue;
        id_taken[m->tls_module] = true;
        if (!m->tls_dynamic)
            used[count++] = { m->tls_offset, m->image.plan().tls->memsz };
    }
    size_t id = 1;
    while (id <= kMax && id_taken[id])
        ++id;
    if (id > kMax)
        return lib::Error(lib::Errno::TOOBIG, kTooManyTlsModules);
    std::optional<int64_t> offset; // in the static TLS surplus, if it fits there
    if (segment.align <= layout.align) {
        auto placed = place_tls_block(std::span(used, count), segment, layout.capacity);
        if (placed.is_error() && placed.error().code != lib::Errno::NOSPC)
            return placed.error();
        if (!placed.is_error())
            offset = placed.value();
    }
    // An object built for the initial-exec model (DF_STATIC_TLS) must be in static TLS.
    if (offset)
        place_tls_module(module, segment, id, *offset);
    else if (!module.object.dynamic().static_tls())
        place_tls_module(module, segment, id, 0, ++startup.tls_generation);
    else if (segment.align > layout.align)
        return lib::Error(
            lib::Errno::NOTSUP, "the object's thread-local storage needs more alignment than threads have");
    else
        return lib::Error(lib::Errno::NOSPC, "cannot allocate memory in static TLS block"); // glibc's words
    if (id > layout.count)
        layout.count = id;
    return {};
}

void start_dlopen_tls(const Module& module)
{
    if (!module.tls_dynamic) // dynamic TLS: each thread makes its block when it asks
        osprey_static_tls_add(&libc_shim::program_startup().tls_modules[module.tls_module - 1]);
}

void count_tls_modules(const ModuleList& modules)
{
    size_t highest = 0;
    for (Module* m = modules.first(); m; m = m->next)
        highest = m->tls_module > highest ? m->tls_module : highest;
    libc_shim::program_startup().tls.count = highest;
}

void end_dlopen_tls(Module& module)
{
    auto& startup = libc_shim::program_startup();
    if (!module.tls_dynamic) // a thread's dynamic block goes when it next asks for the id
        osprey_static_tls_remove(&startup.tls_modules[module.tls_module - 1]);
    startup.tls_modules[module.tls_module - 1] = {};
    module.tls_module = 0;
    module.tls_offset = 0;
    module.tls_dynamic = false;
}

void publish_object(Module& module)
{
    auto& startup = libc_shim::program_startup();
    module.info = object_info(module, startup.first_object == nullptr);
    libc_shim::LoadedObjectInfo* last = startup.last_object;
    module.info.map.l_prev = last ? &last->map : nullptr;
    if (last)
        last->map.l_next = &module.info.map;
    else {
        startup.first_object = &module.info;
        libc_shim::publish_debugger_rendezvous(module.info.map);
    }
    startup.last_object = &module.info;
    ++startup.object_count;
    ++startup.objects_added;
}

void unpublish_object(Module& module)
{
    auto& startup = libc_shim::program_startup();
    libc_shim::LoadedObjectInfo& info = module.info;
    libc_shim::LoadedObjectInfo* previous = libc_shim::previous_object(info);
    auto* next = const_cast<libc_shim::LoadedObjectInfo*>(libc_shim::next_object(info));
    if (previous)
        previous->map.l_next = info.map.l_next;
    else
        startup.first_object = next;
    if (next)
        next->map.l_prev = info.map.l_prev;
    else
        startup.last_object = previous;
    --startup.object_count;
    ++startup.objects_removed;
    // COPY relocations into it that libc-shim keeps in step (glibc_data.h) stop here. Only
    // executables have COPY relocations in practice, so the table (which libc-shim reads
    // without a lock) is rewritten only when a record does lie in the object.
    auto inside = [&](const libc_shim::CopiedData& c) {
        auto copy = reinterpret_cast<uint64_t>(c.copy);
        return copy >= info.map_start && copy < info.map_end;
    };
    if (!std::any_of(startup.copies, startup.copies + startup.copy_count, inside))
        return;
    size_t kept = 0;
    for (size_t i = 0; i < startup.copy_count; ++i)
        if (!inside(startup.copies[i]))
            startup.copies[kept++] = startup.copies[i];
    startup.copy_count = kept;
}

namespace {

constexpr size_t kVisiting = ~size_t(0);

void place_after_needed(const ModuleList& modules, Module& module, size_t& next)
{
    module.info.init_order = kVisiting;
    for (uint32_t offset : module.object.needed()) {
        std::string_view soname = module.object.string(offset);
        if (libc_shim::is_kernel_soname(soname))
            continue;
        Module* needed = modules.find(soname);
        if (needed && needed->info.init_order == 0)
            place_after_needed(modules, *needed, next);
    }
    module.info.init_order = next++;
}

} // namespace

void order_initialization(const ModuleList& modules, Module& root)
{
    size_t& next = libc_shim::program_startup().next_init_order;
    if (next == 0)
        next = 1; // 0 means "no place yet"
    if (root.info.init_order == 0)
        place_after_needed(modules, root, next);
    for (Module* m = root.next; m; m = m->next) // anything the walk did not reach, in load order
        if (m->info.init_order == 0)
            m->info.init_order = next++;
}

} // namespace linker
