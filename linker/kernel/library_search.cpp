#include "library_search.h"
#include "module_list.h"

#include <linker/search_path.h>

#include <kernel/console/log.h>
#include <kernel/fs/root_fs.h>
#include <libc_shim/exports.h>

#include <cstdio>

namespace linker {

namespace {

constexpr std::string_view kSystemDirectories
    = "/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu:/lib64:/usr/lib64:/lib:/usr/lib";

/// One search: the first directory of `list` (tokens expanded for `origin`) whose
/// `soname` is a file of the image.
bool search(
    std::string_view list, std::string_view origin, std::string_view soname, std::span<char> path, size_t& length)
{
    return for_each_search_directory(list, origin, [&](std::string_view directory) {
        const char* separator = directory == "/" ? "" : "/";
        int n = snprintf(path.data(), path.size(), "%.*s%s%.*s", int(directory.size()), directory.data(), separator,
            int(soname.size()), soname.data());
        if (n <= 0 || size_t(n) >= path.size() || fs::root_image().lookup({ path.data(), size_t(n) }).is_error())
            return false;
        length = size_t(n);
        return true;
    });
}

std::string_view dynamic_path(const Module& module, const std::optional<uint32_t>& offset)
{
    return offset ? module.object.string(*offset) : std::string_view();
}

/// Loads library `soname`, needed by `needer`, at the end of `modules`. Errors: ELIBBAD
/// if it is not in the image; those of load_module.
lib::Result<void> load_library(
    ModuleList& modules, std::string_view soname, Module& needer, std::string_view ld_library_path)
{
    char path[256];
    auto found = find_library(soname, needer, ld_library_path, path);
    if (found.is_error()) {
        klog::error(klog::Subsystem::Linker, "library {} needed by {} is not in the image", soname, needer.path);
        return lib::Error(lib::Errno::LIBBAD, "a needed shared library is not in the image");
    }
    if (auto node = fs::root_image().lookup(found.value());
        !node.is_error() && modules.with_file(node.value().number()))
        return {}; // loaded already, under another name
    auto* module = new Module;
    if (auto r = load_module(found.value(), ModuleKind::Library, *module); r.is_error()) {
        klog::error(klog::Subsystem::Linker, "cannot load {} (needed by {}): {}", found.value(), needer.path,
            r.error().message);
        delete module;
        return r.error();
    }
    module->loaded_by = &needer;
    modules.append(*module);
    return {};
}

} // namespace

lib::Result<std::string_view> find_library(
    std::string_view soname, const Module& needer, std::string_view ld_library_path, std::span<char> path)
{
    size_t length = 0;
    auto found = [&](std::string_view list, const Module& owner) {
        return !list.empty() && search(list, directory_of(owner.path), soname, path, length);
    };
    const DynamicInfo& own = needer.object.dynamic();
    if (!own.runpath) {
        const Module* executable = program_modules().first();
        bool executable_seen = false;
        for (const Module* m = &needer; m; m = m->loaded_by) {
            const DynamicInfo& d = m->object.dynamic();
            executable_seen |= m == executable;
            if (!d.runpath && found(dynamic_path(*m, d.rpath), *m))
                return std::string_view(path.data(), length);
        }
        // A dlopen'ed object's chain ends at itself; ld.so then tries the executable's.
        if (executable && !executable_seen && !executable->object.dynamic().runpath
            && found(dynamic_path(*executable, executable->object.dynamic().rpath), *executable))
            return std::string_view(path.data(), length);
    }
    if (found(ld_library_path, needer) || found(dynamic_path(needer, own.runpath), needer)
        || found(kSystemDirectories, needer))
        return std::string_view(path.data(), length);
    return lib::Error(lib::Errno::NOENT, "library not in the image");
}

lib::Result<void> load_dependencies(ModuleList& modules, Module& from, std::string_view ld_library_path)
{
    for (Module* m = &from; m; m = m->next) {
        for (uint32_t offset : m->object.needed()) {
            std::string_view soname = m->object.string(offset);
            if (libc_shim::is_kernel_soname(soname) || modules.find(soname))
                continue;
            TRY(load_library(modules, soname, *m, ld_library_path));
        }
    }
    return {};
}

} // namespace linker
