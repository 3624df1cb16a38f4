// Host side of the kernel command line (syntax in images/cmdline.h): building one from
// options and argv, and reading one back, with std::string storage.
#pragma once

#include <string>
#include <vector>

namespace tools {

struct CommandLine {
    std::vector<std::string> options; // kernel options, "key" or "key=value"
    std::vector<std::string> argv;    // program path and arguments
};

/// "OPTIONS... -- ARGV..." with every word encoded. Throws CliError(kExitBadInput) for a
/// word the kernel cannot receive (a NUL byte) or an option that would be read as "--".
std::string encode_command_line(const CommandLine& line);

/// Parses a command line; without "--", argv is empty. Throws CliError(kExitBadInput)
/// with the parser's message on a syntax error.
CommandLine decode_command_line(const std::string& text);

/// The kernel options for `--env NAME=VALUE` assignments ("env=NAME=VALUE"). Throws
/// CliError(kExitBadInput) for one not of that form.
std::vector<std::string> environment_options(const std::vector<std::string>& assignments);

/// The value of environment variable `name` among kernel `options` ("env=NAME=VALUE"; the
/// last one counts, as the kernel sets them in order), or "" when none sets it.
std::string environment_variable(const std::vector<std::string>& options, std::string_view name);

/// The kernel option for `--workdir DIR`: "cwd=DIR". Throws CliError(kExitBadInput) for a
/// relative or empty DIR (the guest has no host working directory to be relative to).
std::string working_directory_option(const std::string& directory);

/// The kernel option for `--user USER[:GROUP]` (Docker's --user): "user=UID:GID" followed
/// by the user's and the group's names where this host has them (":USER:GROUP", ":USER"
/// or "::GROUP"), so that the guest's /etc/passwd and /etc/group can name them. USER and
/// GROUP are names or numbers from this host's user database, where the program comes
/// from; without GROUP the user's own group, or 0 for a number the database lacks (as
/// Docker does). Throws CliError(kExitBadInput) for an unknown name or a malformed spec.
std::string user_option(const std::string& spec);

/// The kernel option that gives the program this process's RLIMIT_NOFILE, as a program
/// started from the same shell would have it: "nofile=SOFT:HARD" (an infinite limit as
/// 1048576, fs.nr_open's default).
std::string descriptor_limit_option();
/// The same for a given pair of limits (RLIM_INFINITY and anything above 1048576 become 1048576).
std::string descriptor_limit_option(uint64_t soft, uint64_t hard);

/// The kernel option for `--log SPEC`: "log=LEVEL" for a bare level, "log.SUBSYSTEM=LEVEL"
/// for SUBSYSTEM=LEVEL (names in kernel/console/log.h; the kernel warns about unknown ones).
/// Throws CliError(kExitBadInput) for an empty part.
std::string log_option(const std::string& spec);

} // namespace tools
