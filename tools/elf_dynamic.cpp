// The CLI's view of an ELF file's dynamic section, read through the linker's portable
// file reader (linker/file_view.h): the same checks the kernel's loader relies on, so there
// is one ELF parser in Osprey. Errors become CliErrors naming the file.
#include "elf_dynamic.h"

#include "cli_error.h"
#include "mapped_input.h"

#include <linker/file_view.h>

#include <cstring>
#include <fstream>

namespace tools {

namespace {

std::optional<std::string> to_string(std::optional<std::string_view> value)
{
    return value ? std::optional<std::string>(std::string(*value)) : std::nullopt;
}

// The ELF header's first bytes: e_ident (magic, class...) and e_type, e_machine.
struct HeaderStart {
    unsigned char bytes[20] = {};
    bool elf() const
    {
        return std::memcmp(bytes,
                   "\x7f"
                   "ELF",
                   4)
            == 0;
    }
    bool x86_64() const { return bytes[4] == 2 /* ELFCLASS64 */ && (bytes[18] | bytes[19] << 8) == 62 /* EM_X86_64 */; }
};

/// The first `length` bytes of `path` (false if it is shorter or unreadable).
bool read_start(const std::filesystem::path& path, HeaderStart& start, std::streamsize length)
{
    std::ifstream in(path, std::ios::binary);
    in.read(reinterpret_cast<char*>(start.bytes), length);
    return bool(in);
}

} // namespace

bool looks_like_elf(const std::filesystem::path& path)
{
    HeaderStart start;
    return read_start(path, start, 4) && start.elf();
}

bool looks_like_x86_64_elf(const std::filesystem::path& path)
{
    HeaderStart start;
    return read_start(path, start, sizeof(start.bytes)) && start.elf() && start.x86_64();
}

ElfDynamicInfo read_elf_dynamic(const std::filesystem::path& path)
{
    MappedInput file(path);
    auto parsed = linker::read_dynamic_from_file(file.bytes());
    if (parsed.is_error())
        throw CliError(
            kExitBadInput, "'" + path.string() + "' is not a loadable x86-64 ELF file: " + parsed.error().message);
    ElfDynamicInfo info;
    info.type = parsed->type == linker::ElfType::SharedObject ? ElfDynamicInfo::Type::SharedObject
                                                              : ElfDynamicInfo::Type::Executable;
    info.has_interpreter = parsed->interpreter.has_value();
    for (std::string_view needed : parsed->needed())
        info.needed.emplace_back(needed);
    info.soname = to_string(parsed->soname);
    info.rpath = to_string(parsed->rpath);
    info.runpath = to_string(parsed->runpath);
    return info;
}

} // namespace tools
