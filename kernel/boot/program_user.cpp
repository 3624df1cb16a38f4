#include <kernel/boot/program_user.h>

#include <kernel/console/log.h>
#include <kernel/fs/root_fs.h>
#include <kernel/process/process.h>
#include <lib/decimal.h>

#include <fmt/format.h>

namespace boot {

namespace {

constexpr uint32_t kNobody = 65534; // Debian's nobody and nogroup
constexpr size_t kMaxNameLength = 32;

/// A decimal ID below 2^32 - 1 (which the set*id calls read as "unchanged").
bool parse_id(std::string_view text, uint32_t& id)
{
    auto value = lib::parse_decimal(text, UINT32_MAX - 1);
    if (!value)
        return false;
    id = uint32_t(*value);
    return true;
}

bool is_account_name(std::string_view name)
{
    if (name.empty() || name.size() > kMaxNameLength)
        return false;
    for (char c : name) {
        if (c == ':' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            return false;
    }
    return true;
}

/// The next ':'-separated field of `rest`, removed from it.
std::string_view next_field(std::string_view& rest)
{
    size_t colon = rest.find(':');
    std::string_view field = rest.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
    return field;
}

/// Whether the account (`id`, `name`) is one the files always have (root, or nobody and
/// nogroup as `nobody_name` names them): then it is not written twice.
bool is_built_in(uint32_t id, std::string_view name, std::string_view nobody_name)
{
    return id == 0 || name == "root" || (id == kNobody && name == nobody_name);
}

lib::Result<void> provide_accounts(const ProgramUser& user)
{
    // The user's own line when it has a name, and the built-in nobody unless the user takes
    // its ID or name (a host whose nobody is 99).
    bool user_line = !user.user_name.empty() && !is_built_in(user.uid, user.user_name, "nobody");
    bool nobody_line = !user_line || (user.uid != kNobody && user.user_name != "nobody");
    char passwd[320];
    auto end = fmt::format_to_n(passwd, sizeof(passwd), "root:x:0:0:root:/root:/bin/sh\n");
    if (nobody_line)
        end = fmt::format_to_n(end.out, passwd + sizeof(passwd) - end.out,
            "nobody:x:{0}:{0}:nobody:/nonexistent:/usr/sbin/nologin\n", kNobody);
    if (user_line)
        end = fmt::format_to_n(end.out, passwd + sizeof(passwd) - end.out, "{0}:x:{1}:{2}:{0}:/:/usr/sbin/nologin\n",
            user.user_name, user.uid, user.gid);
    TRY(fs::provide_system_file("etc", "passwd", std::string_view(passwd, end.out - passwd)));

    bool group_line = !user.group_name.empty() && !is_built_in(user.gid, user.group_name, "nogroup");
    bool nogroup_line = !group_line || (user.gid != kNobody && user.group_name != "nogroup");
    char group[160];
    auto group_end = fmt::format_to_n(group, sizeof(group), "root:x:0:\n");
    if (nogroup_line)
        group_end = fmt::format_to_n(group_end.out, group + sizeof(group) - group_end.out, "nogroup:x:{}:\n", kNobody);
    if (group_line)
        group_end = fmt::format_to_n(
            group_end.out, group + sizeof(group) - group_end.out, "{}:x:{}:\n", user.group_name, user.gid);
    return fs::provide_system_file("etc", "group", std::string_view(group, group_end.out - group));
}

} // namespace

bool parse_program_user(std::string_view text, ProgramUser& user)
{
    ProgramUser parsed;
    std::string_view rest = text;
    if (!parse_id(next_field(rest), parsed.uid) || !parse_id(next_field(rest), parsed.gid))
        return false;
    std::string_view* names[] = { &parsed.user_name, &parsed.group_name };
    for (std::string_view* name : names) { // each may be empty: that ID has no name
        if (rest.empty())
            break;
        *name = next_field(rest);
        if (!name->empty() && !is_account_name(*name))
            return false;
    }
    if (!rest.empty())
        return false;
    user = parsed;
    return true;
}

void provide_account_files(const ProgramUser& user)
{
    if (auto done = provide_accounts(user); done.is_error())
        klog::info(klog::Subsystem::Boot, "no /etc/passwd or /etc/group made: {} ({})", done.error().message,
            lib::errno_name(done.error().code));
}

lib::Result<void> become_program_user(const ProgramUser& user)
{
    if (user.uid == 0 && user.gid == 0)
        return {};
    auto credentials = process::current().credentials().lock();
    TRY(credentials->set_groups({}));
    TRY(credentials->set_group(user.gid)); // all four group IDs: the process is still root
    return credentials->set_user(user.uid);
}

} // namespace boot
