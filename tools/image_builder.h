// `osprey build`: packs a host program, its shared-library closure and its default
// command line into a ROFS image.
#pragma once

#include "added_files.h"
#include "closure.h"

#include <filesystem>
#include <string>
#include <vector>

namespace tools {

struct ImageRequest {
    std::filesystem::path program;                       // host ELF: PIE executable or shared object
    std::vector<std::string> args;                       // default arguments after the program path
    std::vector<std::string> kernel_options;             // default kernel options (e.g. env=K=V)
    std::vector<std::filesystem::path> dlopen_libraries; // --dlopen: packed with their closures
    std::vector<AddedPath> added;                        // --add: the user's files and directories
    std::string library_path; // the guest's LD_LIBRARY_PATH (--env): libraries are looked for there too
};

struct ImageReport {
    std::string program_image_path; // /app/<basename>
    Closure closure;
    std::string cmdline; // contents of /.osprey/cmdline
    uint64_t image_size = 0;
};

/// Builds the image into `output`: the program at /app/<basename> (mode kept), each
/// library of the closure at its image path, and /.osprey/cmdline holding
/// "OPTIONS -- /app/<basename> ARGS...", then each --add (added_files.h). Throws CliError: kExitBadInput for a program
/// that is not a usable ELF or a missing library, kExitHostFailure if writing fails.
ImageReport build_image(const ImageRequest& request, const std::filesystem::path& output);

/// Resolves a PROGRAM argument: an existing path as is, else a bare name searched on
/// $PATH (as a shell would). Throws CliError(kExitBadInput) if neither exists.
std::filesystem::path find_program(const std::string& argument);

} // namespace tools
