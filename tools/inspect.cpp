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
    walk_image(reader,
        [&](const images::RofsNode& node, const std::string& node_path) { print_node(reader, node, node_path, out); });
    out << "# " << reader.inode_count() << " inodes, " << reader.bytes().size() << " bytes; default command line: ";
    try {
        out << encode_command_line(image.default_command_line()) << '\n';
    } catch (const std::exception&) {
        out << "(none)\n";
    }
}

} // namespace tools
