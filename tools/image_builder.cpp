// Image building for `osprey build` and `osprey run PROGRAM`.
#include "image_builder.h"

#include "cli_error.h"
#include "command_line.h"
#include "elf_dynamic.h"
#include "load_check.h"

#include <images/rofs_format.h>
#include <images/rofs_writer.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tools {
namespace {

namespace fs = std::filesystem;

void check_program(const fs::path& program)
{
    if (int fd = ::open(program.c_str(), O_RDONLY | O_CLOEXEC); fd < 0)
        throw CliError(kExitBadInput, "cannot read '" + program.string() + "': " + std::strerror(errno));
    else
        ::close(fd);
    if (!looks_like_elf(program))
        throw CliError(kExitBadInput,
            "'" + program.string()
                + "' is not an ELF program: give a Linux x86-64 executable built against glibc (PIE) or a shared "
                  "object");
    read_elf_dynamic(program); // throws with the reason if it is malformed
}

std::vector<std::byte> to_bytes(const std::string& text)
{
    std::vector<std::byte> bytes(text.size());
    for (size_t i = 0; i < text.size(); ++i)
        bytes[i] = static_cast<std::byte>(text[i]);
    return bytes;
}

/// Seconds since the epoch of the newest modification among `program` and `closure`.
uint64_t newest_mtime(const fs::path& program, const Closure& closure)
{
    auto seconds = [](const fs::path& path) -> uint64_t {
        struct stat st;
        return ::stat(path.c_str(), &st) == 0 && st.st_mtime > 0 ? uint64_t(st.st_mtime) : 0;
    };
    uint64_t newest = seconds(program);
    for (const ClosureLibrary& library : closure.libraries)
        newest = std::max(newest, seconds(library.real));
    return newest;
}

} // namespace

fs::path find_program(const std::string& argument)
{
    std::error_code error;
    if (argument.find('/') != std::string::npos || fs::exists(argument, error)) {
        if (!fs::is_regular_file(argument, error))
            throw CliError(kExitBadInput, "'" + argument + "' does not exist or is not a regular file");
        return argument;
    }
    const char* path = std::getenv("PATH");
    std::string dirs = path ? path : "";
    for (size_t start = 0; start <= dirs.size();) {
        size_t end = std::min(dirs.find(':', start), dirs.size());
        fs::path candidate = fs::path(dirs.substr(start, end - start)) / argument;
        if (end > start && fs::is_regular_file(candidate, error))
            return candidate;
        start = end + 1;
    }
    throw CliError(kExitBadInput, "'" + argument + "' is neither a file nor a program on $PATH");
}

/// An output that is the program or a library named with --dlopen would replace it with its
/// image: refused, as the user surely meant another file.
void check_not_an_input(const fs::path& output, const ImageRequest& request)
{
    std::error_code error;
    auto same = [&](const fs::path& input) { return fs::equivalent(output, input, error); };
    if (same(request.program))
        throw CliError(kExitBadInput,
            "-o '" + output.string()
                + "' is the program itself: it would be replaced "
                  "by its image; give -o another file");
    for (const fs::path& library : request.dlopen_libraries)
        if (same(library))
            throw CliError(kExitBadInput,
                "-o '" + output.string() + "' is the --dlopen library '" + library.string()
                    + "'; give -o another file");
}

ImageReport build_image(const ImageRequest& request, const fs::path& output)
{
    check_program(request.program);
    check_not_an_input(output, request);
    ImageReport report;
    // The program runs from /app, unless an --add'ed directory holds it (the JDK's bin/java
    // in --add /usr/lib/jvm/java-17-openjdk-amd64): then from there, so that what it finds
    // relative to itself (the JDK's launcher looks for ../lib/libjava.so from
    // /proc/self/exe) is where it expects.
    std::string in_added = guest_path_in_added(request.program, request.added);
    report.program_image_path = in_added.empty() ? "/app/" + request.program.filename().string() : in_added;
    ClosureOptions closure_options;
    closure_options.program_image_dir = fs::path(report.program_image_path).parent_path().string();
    closure_options.dlopen_libraries = request.dlopen_libraries;
    closure_options.library_path = request.library_path;
    closure_options.added_objects = shared_objects_in(request.added);
    report.closure = resolve_closure(request.program, closure_options);
    check_loadable(request.program, LoadedAs::Program); // what the kernel would refuse as malformed, refused now
    for (const ClosureLibrary& library : report.closure.libraries)
        check_loadable(library.real, LoadedAs::Library);
    for (const std::string& warning : report.closure.warnings)
        std::cerr << "osprey: warning: " << warning << " (packed without it)\n";
    CommandLine line { request.kernel_options, { report.program_image_path } };
    line.argv.insert(line.argv.end(), request.args.begin(), request.args.end());
    report.cmdline = encode_command_line(line) + "\n";
    images::RofsWriter writer;
    // The image's one time stamp: the newest of the program's and its libraries' (not the
    // build's own time, so the same inputs give the same image; not 0, which tools such as
    // gzip refuse as a file time).
    writer.set_mtime(newest_mtime(request.program, report.closure));
    try {
        if (in_added.empty())
            writer.add_host_file(report.program_image_path, request.program);
        for (const ClosureLibrary& library : report.closure.libraries) // an --add'ed tree may hold some
            if (guest_path_in_added(library.real, request.added) != library.image_path)
                writer.add_host_file(library.image_path, library.real);
        writer.add_file(images::kRofsCmdlinePath, to_bytes(report.cmdline), 0644);
        for (const AddedPath& added : request.added)
            add_to_image(writer, added);
    } catch (const images::RofsWriteError& error) {
        throw CliError(kExitBadInput, error.what());
    }
    try {
        report.image_size = writer.write(output);
    } catch (const images::RofsWriteError& error) {
        throw CliError(kExitHostFailure, error.what());
    }
    return report;
}

} // namespace tools
