// The program's user: who the program runs as (boot option user=UID:GID[:USER[:GROUP]],
// `osprey run --user`, Docker's --user), and the account files that name it. Without the
// option the program runs as root, as a container's first process does.
#pragma once

#include <lib/result.h>

#include <cstdint>
#include <string_view>

namespace boot {

struct ProgramUser {
    uint32_t uid = 0, gid = 0;
    /// Names for /etc/passwd and /etc/group (empty: the ID has no name there).
    std::string_view user_name, group_name;
};

/// Reads "UID:GID[:USER[:GROUP]]" (decimal IDs below 2^32 - 1, names of at most 32
/// characters without ':' or control characters; an empty name: the ID has none, as in
/// "1000:1000::staff"). False for anything else.
bool parse_program_user(std::string_view text, ProgramUser& user);

/// /etc/passwd and /etc/group, each when the image brings none: root, nobody and nogroup
/// (servers started as root drop to them: nginx, lighttpd), and the program's user and
/// group when they have names. Call once after the root is mounted, before it is made
/// read-only; logs and goes on if it cannot write.
void provide_account_files(const ProgramUser& user);

/// The boot thread's process takes the user's IDs (real, effective, saved and file-system
/// ones) with no supplementary groups, and so loses its capabilities unless the user is
/// root. Call last before the program starts: what boot made belongs to root.
lib::Result<void> become_program_user(const ProgramUser& user);

} // namespace boot
