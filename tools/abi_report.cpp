#include "abi_report.h"

#include "cli_error.h"
#include "closure.h"
#include "command_line.h"
#include "image_file.h"
#include "kernel_exports.h"
#include "load_check.h"

#include <linker/relocate.h>
#include <linker/scope_binding.h>

#include <images/rofs_reader.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <sys/mman.h>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tools {

namespace {

enum class Outcome { Library, Kernel, WeakUnbound, MissingFunction, MissingData };

struct Import {
    Outcome outcome;
    std::string detail; // missing: why, in a few words
};

/// What the kernel would do with one object's imports, and the features it uses.
struct ObjectReport {
    std::map<std::string, Import> imports;     // NAME@VERSION (or NAME) -> where it binds
    std::map<std::string, size_t> relocations; // kind -> count
    std::optional<std::string> refused;        // the kernel's message when it would not load the object
};

std::string import_key(const linker::SymbolRequest& request)
{
    std::string key(request.name);
    if (!request.version.empty())
        key += "@" + std::string(request.version);
    return key;
}

/// Binds by the kernel binder's rule (linker/scope_binding.h), recording the outcome of each
/// import instead of binding it: nothing is run (IFUNC resolvers neither), and a missing import
/// gets a placeholder so that the rest of the object is still looked at.
class ScopeResolver final : public HostRelocation {
public:
    ScopeResolver(const linker::LoadedObject& object, const std::vector<const HostObject*>& scope,
        const KernelExports& exports, ObjectReport& report)
        : m_object(object), m_scope(scope), m_exports(exports), m_report(report)
    {
    }
    ~ScopeResolver() { release_zeros(); }
    ScopeResolver(const ScopeResolver&) = delete;
    ScopeResolver& operator=(const ScopeResolver&) = delete;

    lib::Result<linker::ResolvedSymbol> resolve(const linker::SymbolRequest& request) override
    {
        const linker::LoadedObject& object = m_object;
        auto object_of = [](const HostObject* host) -> const linker::LoadedObject& { return *host->object(); };
        auto find_export = [this](const linker::SymbolRequest& r) -> std::optional<linker::ExportBinding> {
            const auto* e = m_exports.find(r.name, r.version);
            return e ? std::optional(linker::ExportBinding { e->address, e->size }) : std::nullopt;
        };
        linker::ScopeBinding bound = linker::bind_in_scope(m_scope, object_of, &object, request, find_export);
        using Kind = linker::ScopeBinding::Kind;
        switch (bound.kind) {
        case Kind::Object: {
            const HostObject& definer = *m_scope[bound.object_index];
            note(request, Outcome::Library, definer.path().string());
            const linker::elf::Symbol& symbol = *bound.definition.symbol;
            if (linker::elf::symbol_type(symbol) == linker::elf::STT_TLS)
                return linker::ResolvedSymbol { symbol.value, symbol.size, nullptr, 1, -4096 };
            if (linker::elf::symbol_type(symbol)
                == linker::elf::STT_GNU_IFUNC) // checked as the kernel checks it, not run
                TRY(definer.object()->checked_ifunc_resolver(bound.definition));
            return TRY(placeholder(object, request, symbol.size));
        }
        case Kind::Export:
            note(request, Outcome::Kernel, {});
            return TRY(placeholder(object, request, bound.exported.size));
        case Kind::WeakUnbound: note(request, Outcome::WeakUnbound, {}); return linker::ResolvedSymbol {};
        case Kind::MissingData: note(request, Outcome::MissingData, why_missing(request)); break;
        case Kind::MissingFunction: note(request, Outcome::MissingFunction, why_missing(request)); break;
        }
        // Missing: a stand-in, so that the rest of the object is still looked at; a COPY
        // gets as many bytes as it asks for.
        const linker::elf::Symbol* own = object.symbol(request.index);
        return TRY(placeholder(object, request, own ? own->size : 0));
    }

private:
    void note(const linker::SymbolRequest& request, Outcome outcome, std::string detail)
    {
        m_report.imports.try_emplace(import_key(request), Import { outcome, std::move(detail) });
    }

    /// A stand-in for a definition of `size` bytes. A COPY reads the program's own symbol
    /// size from it (never more: the relocation refuses a smaller definition first), so
    /// that many zero bytes are mapped, lazily: a corrupt size costs address space, not
    /// memory.
    lib::Result<linker::ResolvedSymbol> placeholder(
        const linker::LoadedObject& requester, const linker::SymbolRequest& request, uint64_t size)
    {
        if (!request.copy)
            return linker::ResolvedSymbol { 0x1000, size };
        const linker::elf::Symbol* own = requester.symbol(request.index);
        uint64_t read = own && own->size < size ? own->size : size;
        if (read > (uint64_t(1) << 40))
            return lib::Error(lib::Errno::NOEXEC, "a COPY relocation of more than 1 TiB");
        if (!m_zeros || read > m_zeros_size) {
            size_t bytes = read ? (read + 4095) / 4096 * 4096 : 4096; // never a null address
            void* zeros = mmap(nullptr, bytes, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
            if (zeros == MAP_FAILED)
                return lib::Error(lib::Errno::NOMEM, "a COPY relocation asks for more bytes than can be mapped");
            release_zeros();
            m_zeros = zeros, m_zeros_size = bytes;
        }
        return linker::ResolvedSymbol { reinterpret_cast<uint64_t>(m_zeros), size };
    }

    void release_zeros()
    {
        if (m_zeros)
            munmap(m_zeros, m_zeros_size);
    }

    std::string why_missing(const linker::SymbolRequest& request) const
    {
        std::vector<std::string_view> versions = m_exports.versions_of(request.name);
        if (versions.empty())
            return request.version_file.empty() ? "nothing defines it"
                                                : "from " + std::string(request.version_file) + ": not in the kernel";
        std::string text = "the kernel has it only at";
        for (std::string_view version : versions)
            text += " " + std::string(version);
        return text;
    }

    const linker::LoadedObject& m_object;          // the object whose imports these are
    const std::vector<const HostObject*>& m_scope; // objects with a dynamic section, in scope order
    const KernelExports& m_exports;
    ObjectReport& m_report;
    void* m_zeros = nullptr; // what COPY relocations read: zero pages
    size_t m_zeros_size = 0;
};

const char* relocation_kind(uint32_t type)
{
    using namespace linker::elf;
    switch (type) {
    case R_X86_64_RELATIVE: return "relative";
    case R_X86_64_64:
    case R_X86_64_GLOB_DAT:
    case R_X86_64_JUMP_SLOT:
    case R_X86_64_PC32: return "symbol";
    case R_X86_64_COPY: return "COPY";
    case R_X86_64_IRELATIVE: return "IRELATIVE";
    case R_X86_64_TPOFF64: return "TLS initial-exec (TPOFF64)";
    case R_X86_64_DTPMOD64:
    case R_X86_64_DTPOFF64: return "TLS dynamic (DTPMOD64/DTPOFF64)";
    case R_X86_64_TLSDESC: return "TLS descriptor (TLSDESC)";
    case R_X86_64_NONE: return "none";
    }
    return "other";
}

void count_relocations(const linker::LoadedObject& object, ObjectReport& report)
{
    auto tables = linker::relocation_tables(object.view(), object.dynamic());
    if (tables.is_error())
        return; // relocate() says so, as the kernel would
    for (auto table : { tables->rela, tables->jmprel })
        for (const linker::elf::Rela& rela : table)
            ++report.relocations[relocation_kind(uint32_t(rela.info))];
    // DT_RELR: an even word is one relative relocation, an odd one a bitmap of up to 63.
    for (uint64_t word : tables->relr)
        report.relocations["relative"] += word & 1 ? size_t(__builtin_popcountll(word >> 1)) : 1;
}

ObjectReport inspect_object(
    const HostObject& host, const std::vector<const HostObject*>& scope, const KernelExports& exports)
{
    ObjectReport report;
    const linker::LoadedObject* object = host.object();
    if (!object)
        return report;
    count_relocations(*object, report);
    ScopeResolver resolver(*object, scope, exports, report);
    if (auto relocated = linker::relocate(*object, kHostTls, resolver); relocated.is_error())
        report.refused = relocated.error().message;
    return report;
}

std::string describe_kind(const HostObject& host, bool is_program)
{
    const linker::FileDynamic& dynamic = host.file_dynamic();
    if (!is_program)
        return "library";
    if (!dynamic.has_dynamic)
        return "static executable: it brings its own libc and makes system calls with the syscall instruction";
    std::string kind = dynamic.type == linker::ElfType::Executable
        ? "program, non-PIE (loaded at its link-time address)"
        : "program, PIE";
    if (dynamic.interpreter)
        kind += ", interpreter " + std::string(*dynamic.interpreter) + " (the kernel is the interpreter)";
    return kind;
}

void print_features(const HostObject& host, const ObjectReport& report, std::ostream& out)
{
    const linker::FileDynamic& dynamic = host.file_dynamic();
    if (!dynamic.needed().empty()) {
        out << "  needs:";
        for (std::string_view soname : dynamic.needed())
            out << ' ' << soname;
        out << '\n';
    }
    if (dynamic.runpath || dynamic.rpath)
        out << "  search path: "
            << (dynamic.runpath ? "RUNPATH " + std::string(*dynamic.runpath) : "RPATH " + std::string(*dynamic.rpath))
            << '\n';
    if (!report.relocations.empty()) {
        out << "  relocations:";
        const char* separator = " ";
        for (const auto& [kind, count] : report.relocations) {
            out << separator << count << ' ' << kind;
            separator = ", ";
        }
        out << '\n';
    }
    if (const linker::ElfImage* image = host.image(); image && image->tls()) {
        const auto* tls = image->tls();
        out << "  thread-local storage: " << tls->memsz << " bytes aligned to " << tls->align;
        if (host.object() && host.object()->dynamic().static_tls())
            out << ", initial-exec (static TLS)";
        out << '\n';
    }
    if (host.object() && host.object()->dynamic().textrel)
        out << "  text relocations (DT_TEXTREL)\n";
}

void print_imports(const ObjectReport& report, std::ostream& out)
{
    size_t counts[5] = {};
    for (const auto& [key, import] : report.imports)
        ++counts[size_t(import.outcome)];
    if (!report.imports.empty())
        out << "  imports: " << report.imports.size() << " (" << counts[size_t(Outcome::Kernel)] << " from the kernel, "
            << counts[size_t(Outcome::Library)] << " from the program or its libraries, "
            << counts[size_t(Outcome::WeakUnbound)] << " weak left unbound)\n";
    for (const auto& [key, import] : report.imports) {
        if (import.outcome == Outcome::MissingData)
            out << "  MISSING data " << key << " (" << import.detail << "): the program will not load\n";
        else if (import.outcome == Outcome::MissingFunction)
            out << "  MISSING function " << key << " (" << import.detail << "): stops the program if called\n";
    }
    if (report.refused)
        out << "  REFUSED: " << *report.refused << '\n';
}

/// An image's files copied into a fresh host directory (removed at the end), so that the
/// closure is resolved over them as the kernel resolves it over the image. Symlinks are
/// made absolute into the copy with ".." stopping at its root, as a path walk in the
/// image stops at "/": nothing the report reads lies outside the copy.
class ExtractedImage {
public:
    explicit ExtractedImage(const images::RofsImage& image)
    {
        char pattern[] = "/tmp/osprey-inspect-XXXXXX";
        if (!mkdtemp(pattern))
            throw CliError(kExitHostFailure, "cannot make a temporary directory to read the image in");
        m_root = pattern;
        try {
            walk_image(image, [&](const images::RofsNode& node, const std::string& path) { copy(image, node, path); });
        } catch (...) { // the destructor does not run for a constructor that throws
            std::error_code ignored;
            std::filesystem::remove_all(m_root, ignored);
            throw;
        }
    }
    ~ExtractedImage()
    {
        std::error_code ignored;
        std::filesystem::remove_all(m_root, ignored);
    }
    ExtractedImage(const ExtractedImage&) = delete;
    ExtractedImage& operator=(const ExtractedImage&) = delete;

    const std::filesystem::path& root() const { return m_root; }
    /// Where the image's absolute `path` is in the copy.
    std::filesystem::path host(const std::string& path) const { return m_root / path.substr(1); }
    /// The image's path for a path in the copy (the path itself if it is not in it).
    std::string image_path(const std::filesystem::path& in_copy) const
    {
        std::string text = in_copy.lexically_normal().string(), root = m_root.string();
        return text.starts_with(root + "/") ? text.substr(root.size()) : text;
    }

private:
    /// One node of the image into the copy (its directory is there: walk_image goes down).
    void copy(const images::RofsImage& image, const images::RofsNode& node, const std::string& path) const
    {
        if (node.is_directory()) {
            std::filesystem::create_directories(host(path));
        } else if (node.is_symlink()) {
            std::string target(checked_image_part(image.read_link(node)));
            std::filesystem::path in_image = target.starts_with("/")
                ? std::filesystem::path(target)
                : std::filesystem::path(path).parent_path() / target;
            std::filesystem::create_symlink(host(inside_root(in_image)), host(path));
        } else {
            auto data = checked_image_part(image.file_data(node));
            std::ofstream out(host(path), std::ios::binary);
            out.write(reinterpret_cast<const char*>(data.data()), std::streamsize(data.size()));
            if (!out)
                throw CliError(kExitHostFailure, "cannot copy the image's " + path + " to read it");
        }
    }

    /// `path` (absolute, in the image) with "." and ".." resolved lexically, ".." at "/"
    /// staying there.
    static std::string inside_root(const std::filesystem::path& path)
    {
        std::vector<std::string> parts;
        for (const auto& part : path) {
            std::string name = part.string();
            if (name == "..") {
                if (!parts.empty())
                    parts.pop_back();
            } else if (name != "." && name != "/" && !name.empty()) {
                parts.push_back(name);
            }
        }
        std::string joined;
        for (const std::string& name : parts)
            joined += "/" + name;
        return joined.empty() ? "/" : joined;
    }

    std::filesystem::path m_root;
};

/// Lays out the object at `path`; an object the kernel would refuse is kept with its
/// reason (null object) so that the report names it and goes on.
std::unique_ptr<HostObject> lay_out(
    const std::filesystem::path& path, LoadedAs loaded_as, std::optional<std::string>& refused)
{
    try {
        return std::make_unique<HostObject>(path, loaded_as);
    } catch (const CliError& error) {
        refused = error.what();
        return nullptr;
    }
}

/// The report for `program` and its closure, with each path as `shown` says.
int report_closure(const std::filesystem::path& program, const Closure& closure, const KernelExports& exports,
    const std::function<std::string(const std::filesystem::path&)>& shown, std::ostream& out)
{
    std::vector<std::filesystem::path> paths { program };
    for (const ClosureLibrary& library : closure.libraries)
        paths.push_back(library.real);
    std::vector<std::unique_ptr<HostObject>> hosts(paths.size()); // null: refused
    std::vector<std::optional<std::string>> refusals(paths.size());
    std::vector<const HostObject*> scope; // glibc's global scope order: what can be bound to
    for (size_t i = 0; i < paths.size(); ++i) {
        hosts[i] = lay_out(paths[i], i == 0 ? LoadedAs::Program : LoadedAs::Library, refusals[i]);
        if (hosts[i] && hosts[i]->object())
            scope.push_back(hosts[i].get());
    }
    size_t missing_functions = 0, missing_data = 0, refused = 0;
    for (size_t i = 0; i < paths.size(); ++i) {
        out << shown(paths[i]);
        if (i > 0)
            out << " (" << closure.libraries[i - 1].soname << ", needed by "
                << shown(closure.libraries[i - 1].needed_by) << ")";
        if (refusals[i]) {
            out << ":\n  REFUSED: " << *refusals[i] << '\n';
            ++refused;
            continue;
        }
        const HostObject& host = *hosts[i];
        out << ": " << describe_kind(host, i == 0) << '\n';
        ObjectReport report = inspect_object(host, scope, exports);
        print_features(host, report, out);
        print_imports(report, out);
        for (const auto& [key, import] : report.imports) {
            missing_functions += import.outcome == Outcome::MissingFunction;
            missing_data += import.outcome == Outcome::MissingData;
        }
        refused += report.refused.has_value();
    }
    if (!closure.kernel_sonames.empty()) {
        out << "from the kernel (" << exports.size() << " glibc symbols):";
        for (const std::string& soname : closure.kernel_sonames)
            out << ' ' << soname;
        out << '\n';
    }
    if (missing_data || refused) {
        out << "verdict: will-not-load (" << missing_data << " data import(s) missing, " << refused
            << " object(s) refused)\n";
        return kAbiWillNotLoad;
    }
    if (missing_functions) {
        out << "verdict: calls-missing (it loads; " << missing_functions
            << " function(s) nobody provides stop it if called)\n";
        return kAbiCallsMissing;
    }
    out << "verdict: runs (every import is bound)\n";
    return kAbiRuns;
}

/// An image: its program (the default command line's) and the libraries the kernel would
/// find in it, read from a copy of its files.
int report_image(const std::filesystem::path& path, const KernelExports& exports, std::ostream& out)
{
    ImageFile image = ImageFile::load(path);
    CommandLine line = image.default_command_line();
    if (line.argv.empty() || !line.argv[0].starts_with("/"))
        throw CliError(kExitBadInput, "the image's command line names no program by its path");
    ExtractedImage copy(image.reader());
    ClosureOptions options;
    options.root = copy.root();
    for (std::filesystem::path& dir : options.system_dirs)
        dir = copy.host(dir.string());
    options.program_image_dir = std::filesystem::path(line.argv[0]).parent_path().string();
    options.library_path = environment_variable(line.options, "LD_LIBRARY_PATH"); // as the kernel will search
    std::filesystem::path program = copy.host(line.argv[0]);
    if (!std::filesystem::is_regular_file(program))
        throw CliError(kExitBadInput, "the image's program " + line.argv[0] + " is not in it");
    out << "image " << path.string() << ", program " << line.argv[0] << '\n';
    try {
        Closure closure = resolve_closure(program, options);
        return report_closure(
            program, closure, exports, [&](const std::filesystem::path& in_copy) { return copy.image_path(in_copy); },
            out);
    } catch (const CliError& error) { // its paths as the image has them, not the copy's
        std::string message = error.what(), root = copy.root().string();
        for (size_t at = message.find(root); at != std::string::npos; at = message.find(root, at))
            message.erase(at, root.size());
        throw CliError(error.exit_status(), "in the image: " + message);
    }
}

} // namespace

int report_abi(const std::filesystem::path& program, const std::filesystem::path& kernel, std::ostream& out)
{
    KernelExports exports(kernel);
    if (looks_like_rofs_image(program))
        return report_image(program, exports, out);
    Closure closure = resolve_closure(program);
    return report_closure(
        program, closure, exports, [](const std::filesystem::path& p) { return p.string(); }, out);
}

} // namespace tools
