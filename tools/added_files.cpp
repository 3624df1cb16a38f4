#include "added_files.h"

#include "cli_error.h"

namespace tools {

namespace fs = std::filesystem;

namespace {

void check_guest_path(const std::string& guest, const std::string& argument)
{
    if (guest.empty() || guest.front() != '/')
        throw CliError(kExitBadInput, "--add '" + argument + "': the path in the image must be absolute");
    for (const auto& component : fs::path(guest))
        if (component == "." || component == "..")
            throw CliError(
                kExitBadInput, "--add '" + argument + "': the path in the image may not contain '.' or '..'");
    if (guest == "/" || guest == "/.osprey" || guest.starts_with("/.osprey/"))
        throw CliError(kExitBadInput, "--add '" + argument + "': '" + guest + "' belongs to the image itself");
}

std::string join(const std::string& dir, const fs::path& relative)
{
    return (dir.ends_with('/') ? dir : dir + "/") + relative.generic_string();
}

void add_one(images::RofsWriter& writer, const fs::path& host, const std::string& guest)
{
    fs::file_status status = fs::symlink_status(host);
    auto mode = uint32_t(status.permissions()) & 07777;
    switch (status.type()) {
    case fs::file_type::regular: writer.add_host_file(guest, host, mode); break;
    case fs::file_type::directory: writer.add_directory(guest, mode); break;
    case fs::file_type::symlink: writer.add_symlink(guest, fs::read_symlink(host).string()); break;
    default:
        throw CliError(kExitBadInput,
            "--add: '" + host.string()
                + "' is a socket, device or FIFO; an image holds files, directories and symlinks");
    }
}

} // namespace

AddedPath parse_added_path(const std::string& argument)
{
    size_t colon = argument.find(':');
    AddedPath added { argument.substr(0, colon), {} };
    std::error_code error;
    if (added.host.empty() || !fs::exists(fs::symlink_status(added.host, error)))
        throw CliError(
            kExitBadInput, "--add '" + argument + "': '" + added.host.string() + "' does not exist on the host");
    added.guest = colon == std::string::npos ? fs::absolute(added.host).lexically_normal().string()
                                             : argument.substr(colon + 1);
    if (added.guest.size() > 1 && added.guest.ends_with('/'))
        added.guest.pop_back();
    check_guest_path(added.guest, argument);
    return added;
}

std::string guest_path_in_added(const fs::path& file, const std::vector<AddedPath>& added)
{
    std::error_code error;
    fs::path real = fs::weakly_canonical(fs::absolute(file), error);
    for (const AddedPath& tree : added) {
        if (!fs::is_directory(tree.host, error))
            continue;
        fs::path relative = real.lexically_relative(fs::weakly_canonical(fs::absolute(tree.host), error));
        if (!relative.empty() && *relative.begin() != ".." && relative != ".")
            return join(tree.guest, relative);
    }
    return {};
}

std::vector<AddedObject> shared_objects_in(const std::vector<AddedPath>& added)
{
    std::vector<AddedObject> objects;
    auto consider = [&](const fs::path& host, const std::string& guest) {
        std::string name = host.filename().string();
        bool shared_name = name.ends_with(".so") || name.find(".so.") != std::string::npos;
        if (shared_name && fs::is_regular_file(fs::symlink_status(host)))
            objects.push_back({ host, guest });
    };
    for (const AddedPath& tree : added) {
        std::error_code error;
        if (!fs::is_directory(fs::symlink_status(tree.host, error))) {
            consider(tree.host, tree.guest);
            continue;
        }
        for (const auto& entry : fs::recursive_directory_iterator(tree.host, error))
            consider(entry.path(), join(tree.guest, entry.path().lexically_relative(tree.host)));
    }
    return objects;
}

void add_to_image(images::RofsWriter& writer, const AddedPath& added)
{
    try {
        add_one(writer, added.host, added.guest);
        if (!fs::is_directory(fs::symlink_status(added.host)))
            return;
        for (const auto& entry : fs::recursive_directory_iterator(added.host))
            add_one(writer, entry.path(), join(added.guest, entry.path().lexically_relative(added.host)));
    } catch (const images::RofsWriteError& error) {
        throw CliError(kExitBadInput, "--add '" + added.host.string() + "': " + error.what());
    } catch (const fs::filesystem_error& error) {
        throw CliError(kExitBadInput, "--add '" + added.host.string() + "': " + error.code().message());
    }
}

} // namespace tools
