#include "inspect.h"

#include "image_file.h"

#include <images/rofs_format.h>

#include <iomanip>
#include <string>
#include <vector>

namespace tools {
namespace {

std::string mode_string(const images::RofsNode& node)
{
    std::string text = node.is_directory() ? "d" : node.is_symlink() ? "l" : "-";
    const char* letters = "rwxrwxrwx";
    for (int bit = 8; bit >= 0; --bit)
        text += (node.permissions() >> bit) & 1 ? letters[8 - bit] : '-';
    return text;
}

void print_node(
    const images::RofsImage& image, const images::RofsNode& node, const std::string& path, std::ostream& out)
{
    out << mode_string(node) << ' ' << std::setw(10) << (node.is_directory() ? "-" : std::to_string(node.size())) << ' '
        << path;
    if (node.is_symlink())
        out << " -> " << image.read_link(node).value();
    out << '\n';
}

} // namespace

void inspect_image(const std::filesystem::path& path, std::ostream& out)
{
    ImageFile image = ImageFile::load(path);
    const images::RofsImage& reader = image.reader();
    // Explicit stack: a valid image may nest directories deeper than the host stack allows.
    std::vector<std::pair<images::RofsNode, std::string>> pending { { reader.root(), "/" } };
    while (!pending.empty()) {
        auto [node, node_path] = pending.back();
        pending.pop_back();
        print_node(reader, node, node_path, out);
        if (!node.is_directory())
            continue;
        images::RofsDirectory entries = reader.directory(node).value();
        std::string prefix = node_path == "/" ? "/" : node_path + "/";
        for (size_t i = entries.size(); i-- > 0;)
            pending.emplace_back(reader.node(entries[i].inode).value(), prefix + std::string(entries[i].name));
    }
    out << "# " << reader.inode_count() << " inodes, " << reader.bytes().size() << " bytes; default command line: ";
    try {
        out << encode_command_line(image.default_command_line()) << '\n';
    } catch (const std::exception&) {
        out << "(none)\n";
    }
}

} // namespace tools
