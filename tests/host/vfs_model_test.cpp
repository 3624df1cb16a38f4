// A model test of the file tree over an image: random creates, writes, truncates, links,
// unlinks, rmdirs and renames applied both to vfs::Tree and to a plain reference (a map
// from path to node), then every directory listing and file content compared. Names come
// from a small set so operations collide often; the image gives entries to hide, rename
// and copy up.
#include "rofs_test_util.h"

#include <vfs/path_walk.h>

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>

namespace {

using lib::Errno;
using vfs::NodeType;

struct ModelNode {
    bool directory = false;
    std::shared_ptr<std::string> data; // shared by hard links
};
using Model = std::map<std::string, ModelNode>; // absolute path -> node; "/" is the root

std::string parent_of(const std::string& path) { return path.substr(0, std::max<size_t>(path.rfind('/'), 1)); }
std::string join(const std::string& dir, const std::string& name) { return dir == "/" ? "/" + name : dir + "/" + name; }
bool under(const std::string& path, const std::string& dir)
{
    if (dir == "/")
        return path != "/";
    return path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/';
}

bool has_children(const Model& model, const std::string& dir)
{
    for (auto& [path, node] : model)
        if (under(path, dir))
            return true;
    return false;
}

// The reference's answer to an operation: 0 or the errno Linux gives.
Errno model_check_parent(const Model& model, const std::string& dir)
{
    auto it = model.find(dir);
    if (it == model.end())
        return Errno::NOENT;
    return it->second.directory ? Errno(0) : Errno::NOTDIR;
}

Errno model_rename(Model& model, const std::string& from, const std::string& to)
{
    if (Errno e = model_check_parent(model, parent_of(from)); e != Errno(0))
        return e;
    if (!model.count(from))
        return Errno::NOENT;
    if (Errno e = model_check_parent(model, parent_of(to)); e != Errno(0))
        return e;
    ModelNode source = model[from];
    if (source.directory && (to == from || under(to, from)))
        return to == from ? Errno(0) : Errno::INVAL;
    if (auto target = model.find(to); target != model.end()) {
        if (!source.directory && !target->second.directory && source.data == target->second.data)
            return Errno(0);
        if (source.directory && !target->second.directory)
            return Errno::NOTDIR;
        if (!source.directory && target->second.directory)
            return Errno::ISDIR;
        if (target->second.directory && has_children(model, to))
            return Errno::NOTEMPTY;
        model.erase(target);
    }
    Model moved;
    for (auto it = model.begin(); it != model.end();) {
        if (it->first == from || under(it->first, from)) {
            moved[to + it->first.substr(from.size())] = it->second;
            it = model.erase(it);
        } else {
            ++it;
        }
    }
    model.merge(moved);
    return Errno(0);
}

struct Harness {
    std::vector<std::byte> bytes;
    images::RofsImage image;
    vfs::Tree* tree;
    Model model;

    static std::vector<std::byte> build_image()
    {
        images::RofsWriter writer;
        writer.add_file("/a/x", rofs_test::bytes_of("image a/x"), 0644);
        writer.add_file("/a/b/y", rofs_test::bytes_of(std::string(5000, 'y')), 0644);
        writer.add_file("/c", rofs_test::bytes_of("image c"), 0644);
        writer.add_directory("/b", 0755);
        return writer.build();
    }
    Harness() : bytes(build_image()), image(images::RofsImage::open(bytes).value())
    {
        tree = vfs::Tree::create(&image, { .byte_limit = 1 << 24 }).value();
        model["/"] = { true, nullptr };
        model["/a"] = { true, nullptr };
        model["/a/b"] = { true, nullptr };
        model["/b"] = { true, nullptr };
        model["/a/x"] = { false, std::make_shared<std::string>("image a/x") };
        model["/a/b/y"] = { false, std::make_shared<std::string>(5000, 'y') };
        model["/c"] = { false, std::make_shared<std::string>("image c") };
    }
    ~Harness() { delete tree; }

    lib::Result<vfs::ParentOf> parent(const std::string& path)
    {
        return vfs::walk_parent(*tree, { tree->root(), tree->root() }, path);
    }
    lib::Result<lib::RefPtr<vfs::Node>> node(const std::string& path)
    {
        return vfs::walk(*tree, { tree->root(), tree->root() }, path, vfs::Follow::No);
    }

    void compare(const std::string& context)
    {
        for (auto& [path, expected] : model) {
            auto found = node(path);
            ASSERT_FALSE(found.is_error()) << context << ": " << path << " missing";
            ASSERT_EQ(found.value()->is_directory(), expected.directory) << context << ": " << path;
            if (!expected.directory) {
                std::string text(found.value()->size(), '\0');
                ASSERT_EQ(found.value()->read(text.data(), text.size(), 0).value(), text.size());
                ASSERT_EQ(text, *expected.data) << context << ": " << path;
                continue;
            }
            std::set<std::string> listed, wanted;
            ASSERT_FALSE(tree->list(*found.value(), 2,
                                 [&](const vfs::ListedEntry& e) {
                                     EXPECT_TRUE(listed.insert(std::string(e.name)).second)
                                         << context << ": listed twice " << e.name;
                                     return true;
                                 })
                             .is_error());
            for (auto& [other, unused] : model)
                if (size_t first = path == "/" ? 1 : path.size() + 1;
                    under(other, path) && other.find('/', first) == std::string::npos)
                    wanted.insert(other.substr(first));
            ASSERT_EQ(listed, wanted) << context << ": listing of " << path;
        }
    }
};

Errno error_of(const auto& result) { return result.is_error() ? result.error().code : Errno(0); }

TEST(VfsModel, RandomOperationsMatchTheReference)
{
    const char* dirs[] = { "/", "/a", "/a/b", "/b", "/c", "/d" };
    const char* names[] = { "x", "y", "b", "c", "d" };
    for (unsigned seed = 1; seed <= 40; ++seed) {
        Harness h;
        std::mt19937 random(seed);
        auto pick_path = [&] { return join(dirs[random() % 6], names[random() % 5]); };
        for (int step = 0; step < 150; ++step) {
            std::string path = pick_path(), other = pick_path();
            std::string context = "seed " + std::to_string(seed) + " step " + std::to_string(step);
            Errno expected = model_check_parent(h.model, parent_of(path)), got;
            auto parent = h.parent(path);
            if (expected != Errno(0)) {
                ASSERT_EQ(error_of(parent), expected) << context << " walk to " << path;
                continue;
            }
            vfs::Node& dir = *parent.value().dir;
            std::string name(parent.value().name);
            auto existing = h.model.find(path);
            switch (random() % 7) {
            case 0: // create a file or a directory
            case 1: {
                bool directory = random() % 2;
                expected = existing != h.model.end() ? Errno::EXIST : Errno(0);
                got = error_of(h.tree->create(dir, name, directory ? NodeType::Directory : NodeType::Regular, 0644));
                if (expected == Errno(0))
                    h.model[path] = { directory, directory ? nullptr : std::make_shared<std::string>() };
                context += " create " + path;
                break;
            }
            case 2: { // write at an offset
                if (existing == h.model.end() || existing->second.directory)
                    continue;
                std::string text(random() % 6000, char('a' + random() % 26));
                size_t offset = random() % 7000;
                ASSERT_EQ(h.tree->write(*h.node(path).value(), text.data(), text.size(), offset).value(), text.size());
                auto& data = *existing->second.data;
                if (!text.empty()) {
                    if (data.size() < offset + text.size())
                        data.resize(offset + text.size(), '\0');
                    data.replace(offset, text.size(), text);
                }
                got = expected = Errno(0);
                context += " write " + path;
                break;
            }
            case 3: { // truncate
                if (existing == h.model.end() || existing->second.directory)
                    continue;
                size_t size = random() % 9000;
                got = error_of(h.tree->truncate(*h.node(path).value(), size));
                existing->second.data->resize(size, '\0');
                expected = Errno(0);
                context += " truncate " + path;
                break;
            }
            case 4: // unlink or rmdir
                if (existing == h.model.end()) {
                    expected = Errno::NOENT;
                } else if (existing->second.directory) {
                    expected = has_children(h.model, path) ? Errno::NOTEMPTY : Errno(0);
                } else {
                    expected = Errno(0);
                }
                got = existing != h.model.end() && existing->second.directory
                    ? error_of(h.tree->remove_directory(dir, name))
                    : error_of(h.tree->unlink(dir, name));
                if (expected == Errno(0))
                    h.model.erase(path);
                context += " remove " + path;
                break;
            case 5: { // link
                auto source = h.model.find(other);
                if (source == h.model.end() || source->second.directory)
                    continue;
                expected = existing != h.model.end() ? Errno::EXIST : Errno(0);
                got = error_of(h.tree->link(dir, name, *h.node(other).value()));
                if (expected == Errno(0))
                    h.model[path] = source->second;
                context += " link " + other + " " + path;
                break;
            }
            case 6: { // rename other -> path
                auto from = h.parent(other);
                if (from.is_error())
                    continue;
                Model before = h.model;
                expected = model_rename(h.model, other, path);
                got = error_of(h.tree->rename(*from.value().dir, from.value().name, dir, name, 0));
                context += " rename " + other + " " + path;
                break;
            }
            }
            ASSERT_EQ(got, expected) << context;
            h.compare(context);
            if (HasFatalFailure())
                return;
        }
    }
}

} // namespace
