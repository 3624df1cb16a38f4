// std::string wrappers around the portable codec of images/cmdline.h.
#include "command_line.h"

#include "cli_error.h"

#include <images/cmdline.h>

#include <grp.h>
#include <pwd.h>
#include <sys/resource.h>

namespace tools {
namespace {

void append_word(std::string& out, const std::string& word)
{
    if (!out.empty())
        out += ' ';
    size_t start = out.size();
    out.resize(start + images::encoded_size(word));
    auto written = images::encode_word(word, std::span(out).subspan(start));
    if (written.is_error())
        throw CliError(
            kExitBadInput, std::string("cannot pass '") + word + "' to the kernel: " + written.error().message);
}

/// The kernel's limits (images/cmdline.h), checked here so that a run that cannot work
/// fails on the host with what to do, not in the guest.
void check_kernel_limits(const CommandLine& line, const std::string& encoded)
{
    constexpr const char* kAdvice = ": pass fewer or shorter arguments and variables (put data in a file with --add)";
    if (encoded.size() > images::kCmdlineMaxBytes)
        throw CliError(kExitBadInput,
            "the kernel command line would be " + std::to_string(encoded.size()) + " bytes; the kernel takes at most "
                + std::to_string(images::kCmdlineMaxBytes) + kAdvice);
    size_t words = line.options.size() + 1 + line.argv.size();
    if (words > images::kCmdlineMaxWords)
        throw CliError(kExitBadInput,
            "the kernel command line would have " + std::to_string(words) + " words; the kernel takes at most "
                + std::to_string(images::kCmdlineMaxWords) + kAdvice);
    size_t variables = 0;
    for (const std::string& option : line.options)
        variables += images::option_key(option) == "env";
    if (variables > images::kCmdlineMaxEnvironment)
        throw CliError(kExitBadInput,
            std::to_string(variables) + " environment variables; the kernel takes at most "
                + std::to_string(images::kCmdlineMaxEnvironment) + kAdvice);
}

/// A decimal ID below 2^32 - 1, or nothing when `text` is not one.
bool parse_id(const std::string& text, uint32_t& id)
{
    if (text.empty() || text.size() > 10 || text.find_first_not_of("0123456789") != std::string::npos)
        return false;
    uint64_t value = std::stoull(text);
    if (value >= UINT32_MAX)
        return false;
    id = uint32_t(value);
    return true;
}

} // namespace

std::vector<std::string> environment_options(const std::vector<std::string>& assignments)
{
    std::vector<std::string> options;
    for (const std::string& assignment : assignments) {
        if (assignment.find('=') == std::string::npos || assignment.front() == '=')
            throw CliError(kExitBadInput, "--env '" + assignment + "' is not of the form NAME=VALUE");
        options.push_back("env=" + assignment);
    }
    return options;
}

std::string environment_variable(const std::vector<std::string>& options, std::string_view name)
{
    std::string value;
    for (const std::string& option : options) {
        if (images::option_key(option) != "env")
            continue;
        std::string_view assignment = images::option_value(option);
        if (assignment.size() > name.size() && assignment.starts_with(name) && assignment[name.size()] == '=')
            value = assignment.substr(name.size() + 1);
    }
    return value;
}

std::string encode_command_line(const CommandLine& line)
{
    std::string out;
    for (const std::string& option : line.options) {
        if (option.empty() || option == images::kCmdlineSeparator)
            throw CliError(kExitBadInput, "kernel option '" + option + "' is not of the form key or key=value");
        append_word(out, option);
    }
    append_word(out, std::string(images::kCmdlineSeparator));
    for (const std::string& word : line.argv)
        append_word(out, word);
    check_kernel_limits(line, out);
    return out;
}

CommandLine decode_command_line(const std::string& text)
{
    std::vector<char> storage(text.size() + 1);
    std::vector<std::string_view> words(text.size() / 2 + 1);
    auto parsed = images::parse_cmdline(text, storage, words);
    if (parsed.is_error())
        throw CliError(kExitBadInput, std::string("bad command line '") + text + "': " + parsed.error().message);
    CommandLine line;
    line.options.assign(parsed->options.begin(), parsed->options.end());
    line.argv.assign(parsed->argv.begin(), parsed->argv.end());
    return line;
}

std::string working_directory_option(const std::string& directory)
{
    if (directory.empty() || directory.front() != '/')
        throw CliError(kExitBadInput, "--workdir '" + directory + "' is not an absolute path in the guest (e.g. /app)");
    return "cwd=" + directory;
}

std::string user_option(const std::string& spec)
{
    auto bad = [&](const std::string& why) { return CliError(kExitBadInput, "--user '" + spec + "': " + why); };
    size_t colon = spec.find(':');
    std::string user = spec.substr(0, colon);
    std::string group = colon == std::string::npos ? "" : spec.substr(colon + 1);
    if (user.empty() || (colon != std::string::npos && (group.empty() || group.find(':') != std::string::npos)))
        throw bad("want USER[:GROUP], each a name or a number (e.g. --user postgres, --user 1000:1000)");
    // The guest takes names of at most 32 characters (kernel/boot/program_user.h, as
    // useradd): a longer one given is refused, one found for a number is left out.
    constexpr size_t kMaxNameLength = 32;
    auto usable = [&](const std::string& name, bool given) {
        if (name.size() <= kMaxNameLength)
            return name;
        if (given)
            throw bad("the guest takes names of at most 32 characters: give the number");
        return std::string();
    };

    uint32_t uid = 0, gid = 0;
    std::string user_name, group_name;
    bool user_by_number = parse_id(user, uid);
    const struct passwd* account = user_by_number ? ::getpwuid(uid) : ::getpwnam(user.c_str());
    if (!account && !user_by_number)
        throw bad("this host has no user '" + user + "' (give a number to use an ID without a name)");
    if (account) {
        uid = account->pw_uid;
        gid = account->pw_gid;
        user_name = usable(account->pw_name, !user_by_number);
    }
    bool group_by_number = group.empty() || parse_id(group, gid);
    const struct group* entry = group_by_number ? ::getgrgid(gid) : ::getgrnam(group.c_str());
    if (!entry && !group_by_number)
        throw bad("this host has no group '" + group + "' (give a number to use an ID without a name)");
    if (entry) {
        gid = entry->gr_gid;
        group_name = usable(entry->gr_name, !group_by_number);
    }
    std::string option = "user=" + std::to_string(uid) + ":" + std::to_string(gid);
    if (!user_name.empty() || !group_name.empty())
        option += ":" + user_name + (group_name.empty() ? "" : ":" + group_name);
    return option;
}

std::string descriptor_limit_option(uint64_t soft, uint64_t hard)
{
    constexpr uint64_t kNrOpen = 1 << 20; // the kernel caps RLIMIT_NOFILE there, as Linux does
    hard = hard < kNrOpen ? hard : kNrOpen;
    soft = soft < hard ? soft : hard;
    return "nofile=" + std::to_string(soft) + ":" + std::to_string(hard);
}

std::string descriptor_limit_option()
{
    struct rlimit limit { };
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return descriptor_limit_option(1024, 524288);
    return descriptor_limit_option(limit.rlim_cur, limit.rlim_max);
}

std::string log_option(const std::string& spec)
{
    auto equals = spec.find('=');
    if (spec.empty() || equals == 0 || (equals != std::string::npos && equals + 1 == spec.size()))
        throw CliError(
            kExitBadInput, "--log '" + spec + "' is not LEVEL or SUBSYSTEM=LEVEL (e.g. debug, syscall=debug)");
    return equals == std::string::npos ? "log=" + spec : "log." + spec;
}

} // namespace tools
