#include "image_file.h"

#include "cli_error.h"

#include <images/rofs_format.h>

#include <cstring>
#include <fstream>
#include <vector>

namespace tools {

bool looks_like_rofs_image(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    char magic[sizeof(images::kRofsMagic)] = {};
    in.read(magic, sizeof(magic));
    return in && std::memcmp(magic, images::kRofsMagic, sizeof(magic)) == 0;
}

void walk_image(
    const images::RofsImage& image, const std::function<void(const images::RofsNode&, const std::string&)>& visit)
{
    std::vector<std::pair<images::RofsNode, std::string>> pending { { image.root(), "/" } };
    while (!pending.empty()) {
        auto [node, path] = pending.back();
        pending.pop_back();
        visit(node, path);
        if (!node.is_directory())
            continue;
        images::RofsDirectory entries = checked_image_part(image.directory(node));
        std::string prefix = path == "/" ? "/" : path + "/";
        for (size_t i = entries.size(); i-- > 0;)
            pending.emplace_back(
                checked_image_part(image.node(entries[i].inode)), prefix + std::string(entries[i].name));
    }
}

ImageFile ImageFile::load(const std::filesystem::path& path)
{
    std::error_code error;
    if (!std::filesystem::is_regular_file(path, error))
        throw CliError(kExitBadInput, "image '" + path.string() + "' does not exist or is not a file");
    ImageFile image;
    image.m_path = path;
    image.m_input.emplace(path);
    auto reader = images::RofsImage::open(image.m_input->bytes());
    if (reader.is_error())
        throw CliError(kExitBadInput, "'" + path.string() + "': " + reader.error().message);
    image.m_reader = reader.release_value();
    return image;
}

CommandLine ImageFile::default_command_line() const
{
    auto node = m_reader->lookup(images::kRofsCmdlinePath);
    if (node.is_error())
        throw CliError(kExitBadInput,
            "'" + m_path.string() + "' has no " + images::kRofsCmdlinePath
                + ": build the image with `osprey build PROGRAM -o IMAGE`");
    auto data = m_reader->file_data(*node);
    if (data.is_error())
        throw CliError(kExitBadInput, "'" + m_path.string() + "': " + images::kRofsCmdlinePath + " is not a file");
    std::string text(reinterpret_cast<const char*>(data->data()), data->size());
    CommandLine line = decode_command_line(text);
    if (line.argv.empty())
        throw CliError(kExitBadInput, "'" + m_path.string() + "': " + images::kRofsCmdlinePath + " names no program");
    return line;
}

} // namespace tools
