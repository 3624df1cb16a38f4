#include <kernel/boot/program_user.h>

#include <kernel/console/log.h>
#include <kernel/fs/root_fs.h>
#include <kernel/process/process.h>

#include <fmt/format.h>

namespace boot {

namespace {

constexpr uint32_t kNobody = 65534; // Debian's nobody and nogroup
constexpr size_t kMaxNameLength = 32;

/// A decimal ID below 2^32 - 1 (which the set*id calls read as "unchanged").
bool parse_id(std::string_view text, uint32_t& id)
{
    if (text.empty() || text.size() > 10)
        return false;
    uint64_t value = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            return false;
        value = value * 10 + uint64_t(c - '0');
    }
    if (value >= UINT32_MAX)
        return false;
    id = uint32_t(value);
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

lib::Result<void> provide_accounts(const ProgramUser& user)
{
    char passwd[320];
    auto passwd_end = fmt::format_to_n(passwd, sizeof(passwd),
        "root:x:0:0:root:/root:/bin/sh\nnobody:x:{0}:{0}:nobody:/nonexistent:/usr/sbin/nologin\n", kNobody);
    if (!user.user_name.empty() && user.uid != 0 && user.uid != kNobody)
        passwd_end = fmt::format_to_n(passwd_end.out, passwd + sizeof(passwd) - passwd_end.out,
            "{0}:x:{1}:{2}:{0}:/:/usr/sbin/nologin\n", user.user_name, user.uid, user.gid);
    TRY(fs::provide_system_file("etc", "passwd", std::string_view(passwd, passwd_end.out - passwd)));

    char group[160];
    auto group_end = fmt::format_to_n(group, sizeof(group), "root:x:0:\nnogroup:x:{}:\n", kNobody);
    if (!user.group_name.empty() && user.gid != 0 && user.gid != kNobody)
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
    if (!rest.empty()) {
        parsed.user_name = next_field(rest);
        if (!is_account_name(parsed.user_name))
            return false;
    }
    if (!rest.empty()) {
        parsed.group_name = next_field(rest);
        if (!is_account_name(parsed.group_name) || !rest.empty())
            return false;
    }
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
