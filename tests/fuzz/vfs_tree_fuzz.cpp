// libFuzzer target: the file tree (vfs/) over a small ROFS image, driven by operations and
// paths taken from the input (any bytes: long names, "..", slashes, symlink loops). No input
// may crash, leak or corrupt the tree; after every operation each listed name must be found
// again, and at the end the tree's byte count must match the pages its files hold.
#include <images/rofs_reader.h>
#include <images/rofs_writer.h>
#include <vfs/path_walk.h>

#include <cstring>
#include <string>
#include <vector>

namespace {

struct Input {
    const uint8_t* data;
    size_t size;
    uint8_t byte() { return size ? (--size, *data++) : 0; }
    std::string path()
    {
        size_t length = byte() % 24;
        std::string text;
        for (size_t i = 0; i < length; ++i) {
            uint8_t c = byte();
            // Mostly a small alphabet so names collide; sometimes any byte, sometimes a name
            // longer than NAME_MAX.
            if (c == 251)
                text += std::string(300, 'l');
            else
                text += c < 96 ? "/ab.x"[c % 5] : c < 250 ? char('a' + c % 3) : char(c);
        }
        return text;
    }
};

std::vector<std::byte> image_bytes()
{
    images::RofsWriter writer;
    auto text = [](const char* s) {
        return std::vector<std::byte>(
            reinterpret_cast<const std::byte*>(s), reinterpret_cast<const std::byte*>(s) + strlen(s));
    };
    writer.add_file("/a/b", text("image file"), 0644);
    writer.add_file("/a/x/a", text(std::string(5000, 'q').c_str()), 0644);
    writer.add_symlink("/b", "a/x");
    writer.add_symlink("/x", "x");
    writer.add_directory("/ab", 0755);
    return writer.build();
}

void check_listing(vfs::Tree& tree, vfs::Node& dir)
{
    auto listed = tree.list(dir, 0, [&](const vfs::ListedEntry& entry) {
        if (entry.name != "." && entry.name != ".." && tree.lookup(dir, entry.name).is_error())
            __builtin_trap(); // listed but not found
        return true;
    });
    (void)listed;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static const std::vector<std::byte> bytes = image_bytes();
    static const images::RofsImage image = images::RofsImage::open(bytes).value();
    vfs::Tree* tree = vfs::Tree::create(&image, { .byte_limit = 64 * 1024 }).value();
    Input in { data, size };
    char buffer[256 * 37 + 1];
    memset(buffer, 'w', sizeof(buffer));
    while (in.size) {
        uint8_t op = in.byte() % 10;
        std::string path = in.path(), other = in.path();
        vfs::WalkRoots roots { tree->root(), tree->root() };
        auto parent = vfs::walk_parent(*tree, roots, path);
        auto node = vfs::walk(*tree, roots, other, in.byte() & 1 ? vfs::Follow::Yes : vfs::Follow::No);
        uint64_t offset = uint64_t(in.byte()) * 97, length = uint64_t(in.byte()) * 37;
        if (!parent.is_error()) {
            vfs::Node& dir = *parent.value().dir;
            std::string_view name = parent.value().name;
            switch (op) {
            case 0: (void)tree->create(dir, name, vfs::NodeType::Regular, 0644); break;
            case 1: (void)tree->create(dir, name, vfs::NodeType::Directory, 0755); break;
            case 2: (void)tree->create(dir, name, vfs::NodeType::Symlink, 0777, other); break;
            case 3: (void)tree->unlink(dir, name); break;
            case 4: (void)tree->remove_directory(dir, name); break;
            case 5: {
                auto from = vfs::walk_parent(*tree, roots, other);
                if (!from.is_error())
                    (void)tree->rename(*from.value().dir, from.value().name, dir, name, in.byte() % 8);
                break;
            }
            case 6:
                if (!node.is_error())
                    (void)tree->link(dir, name, *node.value());
                break;
            }
            check_listing(*tree, dir);
        }
        if (!node.is_error()) {
            vfs::Node& file = *node.value();
            switch (op) {
            case 7: (void)tree->write(file, buffer, length, offset); break;
            case 8: (void)tree->truncate(file, offset * 3); break;
            case 9: {
                auto page = tree->mapped_page(file, offset);
                if (!page.is_error())
                    page.value()[offset % vfs::kPageSize] = std::byte(1);
                (void)file.read(buffer, length, offset);
                break;
            }
            }
        }
    }
    check_listing(*tree, tree->root());
    delete tree;
    return 0;
}
