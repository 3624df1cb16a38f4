// glibc's data symbols and the COPY-relocation hazard (private to libc-shim).
//
// A PIE that reads a libc variable directly (optind, environ, stdout...) gets its own copy
// of it through an R_X86_64_COPY relocation, and glibc then uses the program's copy for
// everyone. musl cannot be redirected: it keeps using its own variable, so the two diverge
// whenever one side writes. Constant data (stdin/stdout/stderr are FILE *const in musl,
// in6addr_any) is fine. For mutable data:
//   - everything copied is re-copied after musl is initialised (start_main.cpp), so the
//     program starts with the right environ, __progname, program_invocation_name...;
//   - getopt's variables are synchronised around every getopt call (the shim's getopt,
//     getopt_long and getopt_long_only, glibc_compat.cpp): the program's optind/opterr go
//     in, optind/optarg/optopt come back out;
//   - environ: getenv/setenv/putenv/unsetenv/clearenv are wrapped the same way, so a
//     program that assigns `environ` or calls setenv sees a consistent environment;
//   - tzname/timezone/daylight: tzset and the calls that run it hand musl's values out
//     (glibc_time_zones.cpp); before the first, tzname holds glibc's initial "GMT" names.
// KNOWN LIMIT: other mutable libc variables (signgam, which lgamma sets) are only correct
// in the program's copy as of program start.
#pragma once

namespace libc_shim {

/// The program's COPY of the kernel object at `original`, or `original` itself when the
/// program has no copy (it then reads the kernel's through the GOT).
void* program_copy_of(const void* original);

/// Before calling musl's getopt: the program's optind/opterr become musl's.
void getopt_variables_in();
/// After: musl's optind/optarg/optopt/opterr become the program's.
void getopt_variables_out();
/// Before/after calling musl on the environment (see above).
void environ_in();
void environ_out();
/// After a call that may have run musl's tzset: its tzname, timezone and daylight become
/// the program's.
void time_zone_variables_out();
/// Before the program starts: tzname gets glibc's initial value, {"GMT", "GMT"} (musl's is
/// two null pointers until tzset runs, and programs compare the names with strcmp).
void set_initial_time_zone_names();
/// Copies every COPY-relocated object whose kernel value changed since relocation (program
/// start, after musl's initialisation). An unchanged one is not written: const data such
/// as in6addr_any may have been copied into the executable's RELRO, read-only by now.
void refresh_program_copies();

} // namespace libc_shim
