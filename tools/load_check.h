// The kernel's load-time ELF checks, run on the host before a file is packed, so that
// `osprey build` refuses what the kernel would refuse as malformed, with the kernel's own
// message: the same code (linker/: ElfImage, LoadedObject, relocate) lays the object out
// in a host buffer and relocates it against placeholders. What depends on the definitions
// the object will really be bound to (a missing symbol, a COPY larger than libc's data) is
// left to the kernel, which has them.
#pragma once

#include "mapped_input.h"

#include <linker/file_view.h>
#include <linker/loaded_object.h>
#include <linker/relocate.h>

#include <filesystem>
#include <memory>
#include <optional>

namespace tools {

/// How the kernel will load the file: as the program, or as one of its shared libraries
/// (which must have a dynamic section and be position-independent).
enum class LoadedAs { Program, Library };

/// What every host-side relocation of a laid-out object has in common: nothing is run on
/// the host (an IFUNC resolver's address stands for its result). The load check and
/// `inspect --abi` derive their resolvers from it.
class HostRelocation : public linker::SymbolResolver {
public:
    lib::Result<uint64_t> call_ifunc(uint64_t resolver) override { return resolver; }

protected:
    ~HostRelocation() = default;
};

/// An object's own TLS, relocated on the host: a placeholder module and static offset,
/// and a placeholder TLSDESC resolver.
inline const linker::ObjectTls kHostTls { 1, -4096, 0x1000, 0 };

/// An object laid out in host memory as the kernel lays it out, to be read (its symbols,
/// relocations) or relocated against placeholders, never run. Untouched pages cost
/// nothing: a corrupt header may ask for a huge span, which is mapped lazily as the kernel
/// maps it.
class HostObject {
public:
    /// Throws CliError(kExitBadInput) naming `path` and what is wrong when the kernel would
    /// refuse the file as malformed.
    HostObject(const std::filesystem::path& path, LoadedAs loaded_as);
    HostObject(const HostObject&) = delete;
    HostObject& operator=(const HostObject&) = delete;

    const std::filesystem::path& path() const { return m_path; }
    const linker::FileDynamic& file_dynamic() const { return m_dynamic; }
    /// Null for a static executable (it brings its own start-up: nothing of ours to bind).
    const linker::LoadedObject* object() const { return m_object ? &*m_object : nullptr; }
    const linker::ElfImage* image() const { return m_image ? &*m_image : nullptr; }

private:
    /// The object's span: anonymous memory, unmapped with the object, or when the
    /// constructor refuses the file after mapping it.
    struct Span {
        std::byte* bytes = nullptr;
        size_t size = 0;
        Span() = default;
        Span(const Span&) = delete;
        Span& operator=(const Span&) = delete;
        ~Span();
    };

    std::filesystem::path m_path;
    MappedInput m_input;
    linker::FileDynamic m_dynamic;
    std::optional<linker::ElfImage> m_image;
    Span m_span;
    std::optional<linker::LoadedObject> m_object;
};

/// Throws CliError(kExitBadInput) naming `path` and what is wrong when the kernel would
/// refuse it (ENOEXEC: bad hash, version, relocation or string tables). A program without
/// a dynamic section (a static executable) is its own business: not checked.
void check_loadable(const std::filesystem::path& path, LoadedAs loaded_as);

} // namespace tools
