#include "load_check.h"

#include "cli_error.h"

#include <linker/relocate.h>

#include <cstring>
#include <sys/mman.h>
#include <vector>

namespace tools {

namespace {

constexpr uint64_t kProgramBase = 0x555555554000; // where Linux puts a PIE; any page works

// Binds every import to a placeholder: the relocations are checked, not run. COPY reads
// from a zeroed buffer as large as any libc datum.
class PlaceholderResolver final : public HostRelocation {
public:
    explicit PlaceholderResolver(const linker::LoadedObject& object) : m_object(object) { }

    lib::Result<linker::ResolvedSymbol> resolve(const linker::SymbolRequest& request) override
    {
        // The object's own IFUNC definition is checked as the kernel checks it, though another
        // object may define the name first there (stricter here, never looser).
        auto own = m_object.lookup(request.name, request.version);
        if (own && linker::elf::symbol_type(*own->symbol) == linker::elf::STT_GNU_IFUNC)
            TRY(m_object.checked_ifunc_resolver(*own));
        if (request.copy)
            return linker::ResolvedSymbol { reinterpret_cast<uint64_t>(m_data.data()), m_data.size() };
        return linker::ResolvedSymbol { 0x1000, 0, nullptr, 1 };
    }

private:
    const linker::LoadedObject& m_object;
    std::vector<std::byte> m_data = std::vector<std::byte>(64 * 1024);
};

[[noreturn]] void refuse(const std::filesystem::path& path, const lib::Error& error)
{
    throw CliError(kExitBadInput, "'" + path.string() + "' would not load: " + error.message);
}

} // namespace

HostObject::HostObject(const std::filesystem::path& path, LoadedAs loaded_as) : m_path(path), m_input(path)
{
    std::span<const std::byte> file = m_input.bytes();
    auto dynamic = linker::read_dynamic_from_file(file);
    if (dynamic.is_error())
        refuse(path, dynamic.error());
    m_dynamic = dynamic.value();
    bool library = loaded_as == LoadedAs::Library;
    if (library && !m_dynamic.has_dynamic)
        refuse(path, linker::library_without_dynamic_error());
    // A static executable brings its own start-up: nothing of ours to check. One with
    // PT_INTERP but no PT_DYNAMIC goes on, for ElfImage::parse to refuse it as the kernel does.
    if (!m_dynamic.has_dynamic && !m_dynamic.interpreter)
        return;
    // ET_EXEC at its link-time addresses; a library must be position-independent, as the
    // kernel loads every library anywhere.
    bool fixed = !library && m_dynamic.type == linker::ElfType::Executable;
    auto image = linker::ElfImage::parse(
        file, fixed ? linker::AddressPolicy::AllowFixed : linker::AddressPolicy::PositionIndependent);
    if (image.is_error())
        refuse(path, image.error());
    m_image = image.value();
    size_t size = m_image->span_end() - m_image->span_start();
    void* span = size ? mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
                      : MAP_FAILED;
    if (span == MAP_FAILED)
        throw CliError(kExitBadInput, "'" + path.string() + "' spans more memory than can be mapped");
    m_span.bytes = static_cast<std::byte*>(span);
    m_span.size = size;
    for (const auto& segment : m_image->segments())
        std::memcpy(
            m_span.bytes + (segment.vaddr - m_image->span_start()), file.data() + segment.offset, segment.filesz);
    auto object = linker::LoadedObject::create(
        m_image.value(), { m_span.bytes, m_span.size }, fixed ? m_image->span_start() : kProgramBase);
    if (object.is_error())
        refuse(path, object.error());
    m_object = object.value();
}

HostObject::Span::~Span()
{
    if (bytes)
        munmap(bytes, size);
}

void check_loadable(const std::filesystem::path& path, LoadedAs loaded_as)
{
    HostObject loaded(path, loaded_as);
    if (!loaded.object())
        return;
    PlaceholderResolver resolver(*loaded.object());
    auto relocated = linker::relocate(*loaded.object(), kHostTls, resolver);
    if (relocated.is_error() && relocated.error().code == lib::Errno::NOEXEC) // only the malformed
        refuse(path, relocated.error());
}

} // namespace tools
