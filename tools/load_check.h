// The kernel's load-time ELF checks, run on the host before a file is packed, so that
// `osprey build` refuses what the kernel would refuse as malformed, with the kernel's own
// message: the same code (linker/: ElfImage, LoadedObject, relocate) lays the object out
// in a host buffer and relocates it against placeholders. What depends on the definitions
// the object will really be bound to (a missing symbol, a COPY larger than libc's data) is
// left to the kernel, which has them.
#pragma once

#include <filesystem>

namespace tools {

/// How the kernel will load the file: as the program, or as one of its shared libraries
/// (which must have a dynamic section and be position-independent).
enum class LoadedAs { Program, Library };

/// Throws CliError(kExitBadInput) naming `path` and what is wrong when the kernel would
/// refuse it (ENOEXEC: bad hash, version, relocation or string tables). A program without
/// a dynamic section (a static executable) is its own business: not checked.
void check_loadable(const std::filesystem::path& path, LoadedAs loaded_as);

} // namespace tools
