// Shared-library closure, breadth-first like ld.so's load order. Search order for the
// dependencies of object O (glibc elf/dl-load.c semantics, ld.so(8)): O's DT_RUNPATH if it
// has one, else O's DT_RPATH then the DT_RPATHs of the objects that loaded O; then the
// system directories; the guest's LD_LIBRARY_PATH (ClosureOptions::library_path) between
// the DT_RPATHs and DT_RUNPATH. The builder's LD_LIBRARY_PATH and ld.so.cache are
// deliberately ignored, so an image does not depend on the builder's environment.
#include "closure.h"

#include "cli_error.h"
#include "elf_dynamic.h"
#include "kernel_sonames.h"

#include <linker/search_path.h>

#include <deque>
#include <set>

namespace tools {
namespace {

namespace fs = std::filesystem;

// A directory to search, on the host and in the image ($ORIGIN differs between them).
struct SearchDir {
    fs::path host;
    std::string image;
};

struct LoadedObject {
    fs::path host_path;
    fs::path host_origin;
    std::string image_origin;
    ElfDynamicInfo info;
    std::vector<SearchDir> inherited_rpath; // DT_RPATHs of the objects that loaded it
    bool optional = false;                  // an --add'ed object, or needed only by them: missing needs warn
};

std::string replace_token(std::string text, std::string_view name, std::string_view value)
{
    for (std::string token : { "$" + std::string(name), "${" + std::string(name) + "}" }) {
        for (size_t at = text.find(token); at != std::string::npos; at = text.find(token, at + value.size()))
            text.replace(at, token.size(), value);
    }
    return text;
}

std::string expand(const std::string& entry, const std::string& origin)
{
    std::string text = replace_token(entry, "ORIGIN", origin);
    text = replace_token(text, "PLATFORM", "x86_64");
    return replace_token(text, "LIB", "lib/x86_64-linux-gnu");
}

std::string normal_image_path(const std::string& path)
{
    std::string normal = fs::path(path).lexically_normal().string();
    while (normal.size() > 1 && normal.back() == '/')
        normal.pop_back();
    return normal;
}

// A colon-separated DT_RPATH / DT_RUNPATH of `object`, expanded for host and image. The
// image side is the kernel's own expansion (linker::expand_search_entry), so a library is
// packed where the kernel will look, and an entry the kernel skips (an unknown $TOKEN) is
// skipped here too. The host side keeps its path as written after the token substitution
// (no lexical "..": a host directory may be a symlink). Relative entries (relative to the
// process's working directory in ld.so) have no host directory to search: ignored.
std::vector<SearchDir> search_dirs(const std::string& list, const LoadedObject& object, const fs::path& root)
{
    std::vector<SearchDir> dirs;
    size_t start = 0;
    while (start <= list.size()) {
        size_t end = std::min(list.find(':', start), list.size());
        std::string entry = list.substr(start, end - start);
        start = end + 1;
        std::string host = expand(entry, object.host_origin.string());
        if (!root.empty() && !entry.empty() && entry.front() == '/') // an image's own path: in its copy
            host = (root / host.substr(1)).string();
        char image[4096];
        auto image_dir = linker::expand_search_entry(entry, object.image_origin, image);
        if (!image_dir.is_error() && host.front() == '/' && (entry.front() == '/' || entry.front() == '$'))
            dirs.push_back({ host, std::string(image_dir.value()) });
    }
    return dirs;
}

// What the closure needs of `candidate` if it is the library to take. One of another class
// or machine, or not ELF, is passed over, as ld.so passes it; a malformed x86-64 one is
// refused with what is wrong (passing it over would only say the library cannot be found).
std::optional<ElfDynamicInfo> x86_64_shared_object(const fs::path& candidate)
{
    std::error_code error;
    if (!fs::is_regular_file(candidate, error) || !looks_like_x86_64_elf(candidate))
        return std::nullopt;
    ElfDynamicInfo info = read_elf_dynamic(candidate);
    if (info.type != ElfDynamicInfo::Type::SharedObject)
        return std::nullopt;
    return info;
}

class ClosureSearch {
public:
    explicit ClosureSearch(const ClosureOptions& options) : m_options(options) { }

    Closure run(const fs::path& program)
    {
        LoadedObject root { program, fs::canonical(program).parent_path(), m_options.program_image_dir,
            read_elf_dynamic(program), {} };
        fs::path program_dir = root.host_origin;
        m_queue.push_back(std::move(root));
        drain_queue();
        for (const fs::path& library : m_options.dlopen_libraries) {
            add_dlopen_library(library, program_dir);
            drain_queue();
        }
        std::vector<std::pair<const AddedObject*, ElfDynamicInfo>> added = added_shared_objects();
        for (const auto& [object, info] : added)
            m_added_sonames.insert(info.soname.value_or(object->host.filename().string()));
        for (auto& [object, info] : added) {
            add_added_object(*object, std::move(info));
            drain_queue();
        }
        m_closure.kernel_sonames.assign(m_kernel_sonames.begin(), m_kernel_sonames.end());
        return std::move(m_closure);
    }

private:
    void drain_queue()
    {
        while (!m_queue.empty()) {
            LoadedObject object = std::move(m_queue.front());
            m_queue.pop_front();
            for (const std::string& soname : object.info.needed)
                add(soname, object);
        }
    }

    /// A --dlopen library: beside the program in the image if it is beside it on the host,
    /// else at its host path.
    void add_dlopen_library(const fs::path& library, const fs::path& program_dir)
    {
        std::optional<ElfDynamicInfo> found = x86_64_shared_object(library);
        if (!found)
            throw CliError(kExitBadInput, "--dlopen '" + library.string() + "' is not an x86-64 shared object");
        ElfDynamicInfo info = std::move(*found);
        std::string soname = info.soname.value_or(library.filename().string());
        if (m_seen.count(soname))
            return; // already packed: the program or a library needs it
        fs::path absolute = fs::absolute(library).lexically_normal();
        bool beside_program = fs::canonical(library).parent_path() == program_dir;
        std::string image_path = beside_program
            ? normal_image_path(m_options.program_image_dir + "/" + library.filename().string())
            : normal_image_path(absolute.string());
        m_seen.insert(soname);
        m_closure.libraries.push_back({ soname, library, fs::canonical(library), image_path, "--dlopen" });
        m_queue.push_back({ library, absolute.parent_path(), fs::path(image_path).parent_path().string(), info, {} });
    }

    /// The x86-64 shared objects among the --add'ed files, with their dynamic sections.
    std::vector<std::pair<const AddedObject*, ElfDynamicInfo>> added_shared_objects() const
    {
        std::vector<std::pair<const AddedObject*, ElfDynamicInfo>> objects;
        for (const AddedObject& object : m_options.added_objects) {
            try {
                if (std::optional<ElfDynamicInfo> found = x86_64_shared_object(object.host))
                    objects.emplace_back(&object, std::move(*found));
            } catch (const CliError&) {
                // an --add'ed tree may hold anything, damaged objects included
            }
        }
        return objects;
    }

    void add_added_object(const AddedObject& object, ElfDynamicInfo info)
    {
        std::string soname = info.soname.value_or(object.host.filename().string());
        if (!m_seen.insert(soname).second)
            return;
        m_queue.push_back({ object.host, fs::absolute(object.host).lexically_normal().parent_path(),
            fs::path(object.image_path).parent_path().string(), info, {}, true });
    }

    std::vector<SearchDir> dirs_for(const LoadedObject& object, std::vector<SearchDir>& rpath_chain) const
    {
        rpath_chain = object.inherited_rpath;
        if (object.info.rpath && !object.info.runpath) { // DT_RUNPATH overrides DT_RPATH
            std::vector<SearchDir> own = search_dirs(*object.info.rpath, object, m_options.root);
            rpath_chain.insert(rpath_chain.begin(), own.begin(), own.end());
        }
        std::vector<SearchDir> dirs = object.info.runpath ? std::vector<SearchDir> {} : rpath_chain;
        auto append = [&](const std::string& list) {
            std::vector<SearchDir> more = search_dirs(list, object, m_options.root);
            dirs.insert(dirs.end(), more.begin(), more.end());
        };
        if (!m_options.library_path.empty())
            append(m_options.library_path);
        if (object.info.runpath)
            append(*object.info.runpath);
        for (const fs::path& dir : m_options.system_dirs)
            dirs.push_back({ dir, normal_image_path(dir.string()) });
        return dirs;
    }

    void add(const std::string& soname, const LoadedObject& parent)
    {
        if (is_kernel_soname(soname)) {
            m_kernel_sonames.insert(soname);
            return;
        }
        if (m_seen.count(soname))
            return;
        if (soname.find('/') != std::string::npos)
            throw CliError(kExitBadInput,
                "'" + parent.host_path.string() + "' needs '" + soname
                    + "' by path (DT_NEEDED with a '/'), which osprey does not support: relink it against the soname");
        std::vector<SearchDir> rpath_chain;
        std::vector<SearchDir> dirs = dirs_for(parent, rpath_chain);
        for (const SearchDir& dir : dirs) {
            fs::path candidate = dir.host / soname;
            std::optional<ElfDynamicInfo> info = x86_64_shared_object(candidate);
            if (!info)
                continue;
            m_seen.insert(soname);
            std::string image_path = normal_image_path(dir.image + "/" + soname);
            m_closure.libraries.push_back(
                { soname, candidate, fs::canonical(candidate), image_path, parent.host_path.string() });
            m_queue.push_back({ candidate, candidate.parent_path(), fs::path(image_path).parent_path().string(),
                std::move(*info), rpath_chain, parent.optional });
            return;
        }
        // Another added object has that soname (the JDK's lib/server/libjvm.so, needed by
        // its lib/*.so): as in ld.so, the one loaded by then answers to it (the JVM loads
        // libjvm.so first), and the added object brings its own needs in its turn.
        if (parent.optional && m_added_sonames.count(soname))
            return;
        m_seen.insert(soname); // one warning or error for it
        std::string message = not_found_message(soname, parent, dirs);
        if (!parent.optional)
            throw CliError(kExitBadInput,
                message
                    + ": install the package that provides it, give the program a DT_RUNPATH "
                      "that points to it, or name its directory with --env LD_LIBRARY_PATH=DIR");
        m_closure.warnings.push_back(message);
    }

    static std::string not_found_message(
        const std::string& soname, const LoadedObject& parent, const std::vector<SearchDir>& dirs)
    {
        std::string where;
        for (const SearchDir& dir : dirs)
            where += (where.empty() ? "" : ", ") + dir.host.string();
        return "cannot find library '" + soname + "' needed by '" + parent.host_path.string() + "' (searched " + where
            + ")";
    }

    const ClosureOptions& m_options;
    std::deque<LoadedObject> m_queue;
    std::set<std::string> m_seen;
    std::set<std::string> m_added_sonames; // of the --add'ed shared objects
    std::set<std::string> m_kernel_sonames;
    Closure m_closure;
};

} // namespace

Closure resolve_closure(const fs::path& program, const ClosureOptions& options)
{
    return ClosureSearch(options).run(program);
}

} // namespace tools
