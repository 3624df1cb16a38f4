#include "library_search.h"

#include <linker/search_path.h>

#include <kernel/fs/root_fs.h>

#include <cstdio>

namespace linker {

namespace {

constexpr std::string_view kSystemDirectories = "/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu:/lib64:/usr/lib64:/lib:/usr/lib";

/// One search: the first directory of `list` (tokens expanded for `origin`) whose
/// `soname` is a file of the image.
bool search(std::string_view list, std::string_view origin, std::string_view soname, std::span<char> path, size_t& length)
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

} // namespace

lib::Result<std::string_view> find_library(std::string_view soname, std::span<const Module> modules, size_t needer,
    std::string_view ld_library_path, std::span<char> path)
{
    size_t length = 0;
    auto found = [&](std::string_view list, const Module& owner) {
        return !list.empty() && search(list, directory_of(owner.path), soname, path, length);
    };
    const Module& requester = modules[needer];
    const DynamicInfo& own = requester.object.dynamic();
    if (!own.runpath) {
        for (size_t m = needer; m < modules.size(); m = modules[m].loaded_by) {
            const DynamicInfo& d = modules[m].object.dynamic();
            if (!d.runpath && found(dynamic_path(modules[m], d.rpath), modules[m]))
                return std::string_view(path.data(), length);
            if (m == 0)
                break;
        }
    }
    if (found(ld_library_path, requester) || found(dynamic_path(requester, own.runpath), requester)
        || found(kSystemDirectories, requester))
        return std::string_view(path.data(), length);
    return lib::Error(lib::Errno::NOENT, "library not in the image");
}

} // namespace linker
