// libFuzzer target: the whole load-time path the kernel runs on an ELF object before any of
// it executes, in the kernel's order (issue 17): ElfImage::parse, the object laid out in
// memory, LoadedObject::create (dynamic section, hash and version tables, symbols) and
// relocate() against placeholder definitions (RELATIVE, GLOB_DAT, JUMP_SLOT, COPY, TLS,
// IRELATIVE resolvers checked but not run). It is the CLI's load check
// (tools/load_check.h), which runs that same linker code on the host, given each input as
// a program and as a library. Seeded with tests/guest's hello and libtlsgd.so (CTest passes
// the corpus directory). A refusal is a fine answer; a crash or a sanitizer report is not.
// (The span is anonymous memory ASan does not watch: a write just past it that lands in
// other mapped memory goes unseen.)
#include "load_check.h"

#include "cli_error.h"

#include <string>
#include <sys/mman.h>
#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static int file = memfd_create("elf-relocate-fuzz", 0);
    if (file < 0 || ftruncate(file, 0) != 0 || pwrite(file, data, size, 0) != ssize_t(size))
        return 0;
    std::string path = "/proc/self/fd/" + std::to_string(file);
    for (auto loaded_as : { tools::LoadedAs::Program, tools::LoadedAs::Library }) {
        try {
            tools::check_loadable(path, loaded_as);
        } catch (const tools::CliError&) {
        }
    }
    return 0;
}
