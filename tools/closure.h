// The shared-library closure of a program: every library its DT_NEEDED entries pull in,
// recursively, found the way glibc's ld.so finds them, minus the sonames the kernel
// provides (kernel_sonames.h). Also says where each library goes in the image so that
// the guest's loader, searching the same way, finds it.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace tools {

struct ClosureLibrary {
    std::string soname;          // the DT_NEEDED name
    std::filesystem::path found; // where the search found it on the host
    std::filesystem::path real;  // `found` with symlinks resolved: the bytes to pack
    std::string image_path;      // where it goes in the image
    std::string needed_by;       // host path of the first object that needs it
};

struct Closure {
    std::vector<ClosureLibrary> libraries;   // breadth-first, each soname once
    std::vector<std::string> kernel_sonames; // needed sonames left to the kernel, sorted
    std::vector<std::string> warnings;       // libraries an added object needs, found nowhere
};

/// A shared object an --add'ed directory puts into the image, and where.
struct AddedObject {
    std::filesystem::path host;
    std::string image_path;
};

struct ClosureOptions {
    /// Searched after DT_RPATH / DT_RUNPATH, in order (glibc's default directories as
    /// configured on Debian x86-64).
    std::vector<std::filesystem::path> system_dirs = {
        "/lib/x86_64-linux-gnu",
        "/usr/lib/x86_64-linux-gnu",
        "/lib64",
        "/usr/lib",
    };
    /// The image directory that holds the program (its $ORIGIN in the guest).
    std::string program_image_dir = "/app";
    /// Non-empty: the objects are a copy of an image's files under this host directory
    /// (`osprey inspect --abi IMAGE`), so an absolute DT_RUNPATH/DT_RPATH entry is looked
    /// up under it, as the kernel looks it up in the image. `system_dirs` are given under
    /// it by the caller.
    std::filesystem::path root;
    /// The program's LD_LIBRARY_PATH in the guest (`--env LD_LIBRARY_PATH=...`, or an
    /// image's own), searched as ld.so and the kernel search it: after DT_RPATH, before
    /// DT_RUNPATH. An absolute entry names a host directory whose libraries are packed at
    /// the same path (under `root` for an image's copy); $ORIGIN is the needing object's.
    /// The builder's own LD_LIBRARY_PATH is never read: an image does not depend on who
    /// built it.
    std::string library_path;
    /// Libraries the program dlopens (`--dlopen`): packed with their own closures, a library
    /// in the program's directory beside it (program_image_dir), any other at its host path
    /// (so dlopen by that absolute path, or by soname from a system directory, finds it).
    std::vector<std::filesystem::path> dlopen_libraries;
    /// Shared objects the user's --add'ed directories hold (the JDK's libjvm.so, Python's
    /// extension modules), which the program may dlopen: the libraries they need are packed
    /// too (they themselves are packed by --add). One found nowhere is only a warning: the
    /// program may never load the object that needs it.
    std::vector<AddedObject> added_objects;
};

/// Resolves the closure of `program`. A library's own DT_RUNPATH applies to its direct
/// dependencies; without one, its DT_RPATH and those of the objects that loaded it apply
/// (glibc semantics); $ORIGIN, $LIB and $PLATFORM are expanded. Candidates that are not
/// x86-64 ELF64 shared objects are skipped, as ld.so does. Throws CliError
/// (kExitBadInput) for a malformed ELF file or a library found nowhere, naming it, who
/// needs it and where it was looked for, and for a --dlopen file that is not an x86-64
/// shared object.
Closure resolve_closure(const std::filesystem::path& program, const ClosureOptions& options = {});

} // namespace tools
