// Running the program (kernel side of the ELF linker): load the executable named by argv[0]
// from the root filesystem and its shared libraries (every DT_NEEDED that is not a
// kernel-provided soname), relocate everything, binding glibc imports to the kernel's
// export table, set up TLS, the thread control block and the initial stack, run the
// libraries' constructors and jump to the executable's entry point.
#pragma once

#include <lib/result.h>

#include <span>
#include <string_view>

namespace linker {

/// Does not return when the program starts (it ends through exit_group). Returns the
/// error that prevented it from starting: ENOENT (no such file), ENOEXEC (not a loadable
/// x86-64 ELF, with the reason), ENOMEM, ELIBBAD (a library is missing or malformed).
lib::Error run_program(std::span<const std::string_view> argv, std::span<const std::string_view> envp);

} // namespace linker
