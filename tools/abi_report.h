// `osprey inspect --abi PROGRAM|IMAGE`: whether Osprey can run a program, told before booting it
// (as `ldd -r` tells it for Linux). The program and its library closure (closure.h) are
// laid out in host memory and relocated with the kernel's own linker code (load_check.h),
// binding each symbol the way the kernel's binder does (linker/kernel/symbol_binder.h):
// the executable, the libraries breadth first, then the glibc export table of the kernel
// that would run it (kernel_exports.h). For each object the report gives its kind, the
// relocation and TLS features it uses, where its imports bind, and every import nothing
// provides; then a verdict:
//   runs              every import is bound
//   calls-missing     it loads, but stops ("missing symbol NAME@VERSION") if it calls
//                     one of the functions nobody provides
//   will-not-load     a data or TLS import nobody provides, or an object the kernel
//                     would refuse as malformed
#pragma once

#include <filesystem>
#include <ostream>

namespace tools {

/// Exit statuses of `osprey inspect --abi`, one per verdict.
inline constexpr int kAbiRuns = 0, kAbiCallsMissing = 3, kAbiWillNotLoad = 4;

/// Writes the report for `program` bound against `kernel`'s exports to `out` and returns
/// the verdict's status. `program` may be an image (`osprey build`): then its command
/// line's program, with the libraries found in the image as the kernel finds them (search
/// paths inside the image, not the host). Throws CliError(kExitBadInput) when the program
/// is not an ELF program, a library of its closure is found nowhere, the image is corrupt
/// or names no program, or `kernel` has no export table.
int report_abi(const std::filesystem::path& program, const std::filesystem::path& kernel, std::ostream& out);

} // namespace tools
