// The file tree (vfs/): tmpfs operations with Linux's answers, the overlay over a ROFS
// image, path walk and readdir positions.
#include "rofs_test_util.h"
#include "vfs_test_util.h"

#include <vfs/path_walk.h>

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>
#include <string>

namespace {

using lib::Errno;
using vfs::Follow;
using vfs::NodeType;

using vfs_test::error_of;
using vfs_test::read_all;
using vfs_test::TreePtr;
using vfs_test::walk;

TreePtr make_tree(const images::RofsImage* image = nullptr, uint64_t limit = 1 << 20)
{
    auto tree = vfs::Tree::create(image, { .byte_limit = limit });
    EXPECT_FALSE(tree.is_error());
    return TreePtr(tree.value());
}

void write_text(vfs::Tree& tree, vfs::Node& node, std::string_view text, uint64_t offset = 0)
{
    auto n = tree.write(node, text.data(), text.size(), offset);
    ASSERT_FALSE(n.is_error());
    ASSERT_EQ(n.value(), text.size());
}

std::set<std::string> names_in(vfs::Tree& tree, vfs::Node& dir)
{
    std::set<std::string> names;
    auto listed = tree.list(dir, 0, [&](const vfs::ListedEntry& entry) {
        EXPECT_TRUE(names.insert(std::string(entry.name)).second) << "listed twice: " << entry.name;
        return true;
    });
    EXPECT_FALSE(listed.is_error());
    return names;
}

struct VfsOverlay : ::testing::Test {
    std::vector<std::byte> bytes = rofs_test::sample_image();
    images::RofsImage image = images::RofsImage::open(bytes).value();
    TreePtr tree = make_tree(&image);
};

// New nodes belong to whoever makes them (the creator callback stands for the process's
// credentials), in a set-group-ID directory to the directory's group, as on Linux.
vfs::Tree::Owner g_creator;

TEST(VfsTree, NewNodesBelongToTheirCreator)
{
    auto made = vfs::Tree::create(nullptr, { .byte_limit = 1 << 20, .creator = [] { return g_creator; } });
    ASSERT_FALSE(made.is_error());
    TreePtr tree(made.value());
    g_creator = { 101, 104 };
    auto file = tree->create(tree->root(), "data", NodeType::Regular, 0600).value();
    EXPECT_EQ(file->uid(), 101u);
    EXPECT_EQ(file->gid(), 104u);
    auto unnamed = tree->create_unnamed(0600).value();
    EXPECT_EQ(unnamed->uid(), 101u);
    EXPECT_EQ(unnamed->gid(), 104u);

    g_creator = { 0, 0 };
    auto shared = tree->create(tree->root(), "shared", NodeType::Directory, 0755).value();
    ASSERT_FALSE(tree->set_owner(*shared, 0, 50).is_error());
    ASSERT_FALSE(tree->set_permissions(*shared, 02775).is_error());
    g_creator = { 101, 104 };
    auto inner = tree->create(*shared, "inner", NodeType::Directory, 0755).value();
    auto link = tree->create(*shared, "link", NodeType::Symlink, 0777, "inner").value();
    EXPECT_EQ(inner->uid(), 101u);
    EXPECT_EQ(inner->gid(), 50u) << "the set-group-ID directory's group";
    EXPECT_EQ(inner->mode() & 07777, 02755u) << "a new directory keeps the set-group-ID bit";
    EXPECT_EQ(link->gid(), 50u);
    EXPECT_EQ(link->mode() & 07777, 0777u) << "only directories inherit the bit";
}

TEST(VfsTree, RootOwnsNodesWithoutACreator)
{
    auto tree = make_tree();
    auto file = tree->create(tree->root(), "a", NodeType::Regular, 0644).value();
    EXPECT_EQ(file->uid(), 0u);
    EXPECT_EQ(file->gid(), 0u);
}

TEST(VfsTree, CreateWriteReadUnlink)
{
    auto tree = make_tree();
    auto file = tree->create(tree->root(), "a.txt", NodeType::Regular, 0644).value();
    write_text(*tree, *file, "hello");
    write_text(*tree, *file, " world", 5);
    EXPECT_EQ(read_all(*file), "hello world");
    EXPECT_EQ(file->mode(), vfs::kModeRegular | 0644);
    EXPECT_EQ(file->link_count(), 1u);
    EXPECT_EQ(error_of(tree->create(tree->root(), "a.txt", NodeType::Regular, 0644)), Errno::EXIST);
    ASSERT_FALSE(tree->unlink(tree->root(), "a.txt").is_error());
    EXPECT_EQ(file->link_count(), 0u);
    EXPECT_EQ(read_all(*file), "hello world") << "an unlinked file stays readable while open";
    EXPECT_EQ(error_of(walk(*tree, "/a.txt")), Errno::NOENT);
    EXPECT_EQ(error_of(tree->unlink(tree->root(), "a.txt")), Errno::NOENT);
}

TEST(VfsTree, SparseFilesAndTruncate)
{
    auto tree = make_tree();
    auto file = tree->create(tree->root(), "sparse", NodeType::Regular, 0600).value();
    write_text(*tree, *file, "end", 3 * vfs::kPageSize + 10);
    EXPECT_EQ(file->size(), 3 * vfs::kPageSize + 13);
    EXPECT_EQ(tree->bytes_used(), vfs::kPageSize) << "holes take no memory";
    std::string text = read_all(*file);
    EXPECT_EQ(text.substr(0, 3 * vfs::kPageSize + 10), std::string(3 * vfs::kPageSize + 10, '\0'));
    ASSERT_FALSE(tree->truncate(*file, 3 * vfs::kPageSize + 11).is_error());
    ASSERT_FALSE(tree->truncate(*file, 3 * vfs::kPageSize + 100).is_error());
    text = read_all(*file);
    EXPECT_EQ(text[3 * vfs::kPageSize + 10], 'e');
    EXPECT_EQ(text[3 * vfs::kPageSize + 11], '\0') << "bytes cut by truncate read zero when the file grows again";
    ASSERT_FALSE(tree->truncate(*file, 0).is_error());
    EXPECT_EQ(tree->bytes_used(), 0u);
}

TEST(VfsTree, MappedPagesStayPut)
{
    auto tree = make_tree();
    auto file = tree->create(tree->root(), "m", NodeType::Regular, 0600).value();
    ASSERT_FALSE(tree->truncate(*file, 2 * vfs::kPageSize).is_error());
    EXPECT_EQ(tree->bytes_used(), 0u);
    std::byte* page = tree->mapped_page(*file, vfs::kPageSize + 5).value();
    EXPECT_EQ(tree->bytes_used(), vfs::kPageSize) << "a hole is filled for the mapping";
    page[7] = std::byte('m');
    char c = 0;
    ASSERT_EQ(file->read(&c, 1, vfs::kPageSize + 7).value(), 1u);
    EXPECT_EQ(c, 'm') << "the mapping and read see one page";
    EXPECT_EQ(tree->mapped_page(*file, vfs::kPageSize).value(), page);
    EXPECT_EQ(error_of(tree->mapped_page(*file, 2 * vfs::kPageSize)), Errno::FAULT) << "past the end: SIGBUS";
    ASSERT_FALSE(tree->truncate(*file, 0).is_error());
    EXPECT_EQ(page[7], std::byte(0)) << "truncation zeroes a mapped page instead of freeing it";
    ASSERT_FALSE(tree->truncate(*file, 2 * vfs::kPageSize).is_error());
    EXPECT_EQ(tree->mapped_page(*file, vfs::kPageSize).value(), page);
}

TEST(VfsTree, FullTreeIsEnospcAndPartialWrites)
{
    auto tree = make_tree(nullptr, 2 * vfs::kPageSize);
    auto file = tree->create(tree->root(), "big", NodeType::Regular, 0600).value();
    std::string data(3 * vfs::kPageSize, 'x');
    auto n = tree->write(*file, data.data(), data.size(), 0);
    ASSERT_FALSE(n.is_error());
    EXPECT_EQ(n.value(), 2 * vfs::kPageSize) << "a write that fills the tree is short";
    EXPECT_EQ(error_of(tree->write(*file, data.data(), 1, 2 * vfs::kPageSize)), Errno::NOSPC);
    ASSERT_FALSE(tree->unlink(tree->root(), "big").is_error());
    file.reset();
    EXPECT_EQ(tree->bytes_used(), 0u) << "the last reference frees the pages";
}

TEST(VfsTree, DirectoriesAndLinkCounts)
{
    auto tree = make_tree();
    auto a = tree->create(tree->root(), "a", NodeType::Directory, 0755).value();
    EXPECT_EQ(tree->root().link_count(), 3u);
    auto b = tree->create(*a, "b", NodeType::Directory, 0755).value();
    EXPECT_EQ(b->parent(), a.get());
    EXPECT_EQ(error_of(tree->remove_directory(tree->root(), "a")), Errno::NOTEMPTY);
    EXPECT_EQ(error_of(tree->unlink(tree->root(), "a")), Errno::ISDIR);
    EXPECT_EQ(error_of(tree->remove_directory(*a, ".")), Errno::INVAL);
    EXPECT_EQ(error_of(tree->remove_directory(*a, "..")), Errno::NOTEMPTY);
    ASSERT_FALSE(tree->remove_directory(*a, "b").is_error());
    EXPECT_TRUE(b->removed());
    EXPECT_EQ(error_of(tree->create(*b, "x", NodeType::Regular, 0644)), Errno::NOENT)
        << "nothing is made in a removed directory";
    auto f = tree->create(*a, "f", NodeType::Regular, 0644).value();
    EXPECT_EQ(error_of(tree->remove_directory(*a, "f")), Errno::NOTDIR);
    ASSERT_FALSE(tree->link(tree->root(), "g", *f).is_error());
    EXPECT_EQ(f->link_count(), 2u);
    EXPECT_EQ(error_of(tree->link(tree->root(), "h", *a)), Errno::PERM);
    EXPECT_EQ(walk(*tree, "/a/f").value().get(), walk(*tree, "/g").value().get());
}

TEST(VfsTree, SocketNodesKeepTheirEndpoint)
{
    auto tree = make_tree();
    auto socket = tree->create(tree->root(), "s.sock", NodeType::Socket, 0755).value();
    EXPECT_EQ(socket->mode(), vfs::kModeSocket | 0755u);
    EXPECT_EQ(socket->size(), 0u);
    EXPECT_EQ(error_of(socket->read(nullptr, 0, 0)), Errno::INVAL);
    int endpoint = 0;
    socket->set_endpoint_record(&endpoint); // the kernel's bound socket
    EXPECT_EQ(walk(*tree, "/s.sock").value()->endpoint_record(), &endpoint);
    EXPECT_EQ(error_of(tree->create(tree->root(), "s.sock", NodeType::Socket, 0755)), Errno::EXIST);
    ASSERT_FALSE(tree->unlink(tree->root(), "s.sock").is_error());
    EXPECT_EQ(error_of(walk(*tree, "/s.sock")), Errno::NOENT);
}

TEST(VfsTree, PathWalk)
{
    auto tree = make_tree();
    auto a = tree->create(tree->root(), "a", NodeType::Directory, 0755).value();
    auto f = tree->create(*a, "f", NodeType::Regular, 0644).value();
    tree->create(tree->root(), "to_a", NodeType::Symlink, 0777, "a").value();
    tree->create(*a, "up", NodeType::Symlink, 0777, "../to_a/f").value();
    tree->create(tree->root(), "loop", NodeType::Symlink, 0777, "loop").value();
    tree->create(tree->root(), "dangling", NodeType::Symlink, 0777, "/nowhere").value();
    EXPECT_EQ(walk(*tree, "/to_a/f").value().get(), f.get());
    EXPECT_EQ(walk(*tree, "//a/./../a//up").value().get(), f.get());
    EXPECT_EQ(walk(*tree, "/..").value().get(), &tree->root());
    EXPECT_EQ(walk(*tree, "to_a", Follow::No).value()->type(), NodeType::Symlink);
    EXPECT_EQ(walk(*tree, "to_a/", Follow::No).value().get(), a.get()) << "a trailing slash follows";
    EXPECT_EQ(error_of(walk(*tree, "/a/f/")), Errno::NOTDIR);
    EXPECT_EQ(error_of(walk(*tree, "/a/f/x")), Errno::NOTDIR);
    EXPECT_EQ(error_of(walk(*tree, "/loop")), Errno::LOOP);
    EXPECT_EQ(walk(*tree, "/loop", Follow::No).value()->type(), NodeType::Symlink);
    EXPECT_EQ(error_of(walk(*tree, "/dangling")), Errno::NOENT);
    EXPECT_EQ(error_of(walk(*tree, "")), Errno::NOENT);
    EXPECT_EQ(error_of(walk(*tree, "/" + std::string(256, 'n'))), Errno::NAMETOOLONG);
    auto parent = vfs::walk_parent(*tree, { tree->root(), *a }, "../to_a/new/").value();
    EXPECT_EQ(parent.dir.get(), a.get());
    EXPECT_EQ(parent.name, "new");
    EXPECT_TRUE(parent.trailing_slash);
    EXPECT_TRUE(vfs::walk_parent(*tree, { tree->root(), *a }, "/").value().name.empty());
    char cwd[64];
    ASSERT_EQ(vfs::path_of(tree->root(), *a, cwd, sizeof(cwd)).value(), 2u);
    EXPECT_STREQ(cwd, "/a");
    EXPECT_EQ(error_of(vfs::path_of(tree->root(), *a, cwd, 2)), Errno::RANGE);
}

TEST(VfsTree, ForeignDirectoriesStopTheWalk)
{
    auto tree = make_tree();
    auto proc = tree->create(tree->root(), "proc", NodeType::Directory, 0555).value();
    tree->mark_foreign(*proc, "/proc");
    auto dev = tree->create(tree->root(), "dev", NodeType::Directory, 0755).value();
    tree->create(*dev, "fd", NodeType::Symlink, 0777, "/proc/self/fd").value();
    vfs::ForeignPath foreign;
    vfs::WalkRoots roots { tree->root(), tree->root(), &foreign };
    EXPECT_EQ(error_of(vfs::walk(*tree, roots, "/proc/self/maps", Follow::Yes)), Errno::XDEV);
    EXPECT_EQ(foreign.view(), "/proc/self/maps");
    EXPECT_EQ(error_of(vfs::walk(*tree, roots, "/dev/fd/1", Follow::Yes)), Errno::XDEV);
    EXPECT_EQ(foreign.view(), "/proc/self/fd/1") << "through a symlink, with the rest of the path";
    EXPECT_EQ(error_of(vfs::walk(*tree, roots, "/proc", Follow::Yes)), Errno::XDEV);
    EXPECT_EQ(foreign.view(), "/proc");
    EXPECT_EQ(error_of(vfs::walk_parent(*tree, roots, "/proc/new")), Errno::XDEV);
    EXPECT_EQ(walk(*tree, "/proc").value().get(), proc.get()) << "without a ForeignPath the mark is ignored";
    EXPECT_EQ(error_of(tree->remove_directory(tree->root(), "proc")), Errno::BUSY);
    EXPECT_EQ(error_of(tree->rename(tree->root(), "proc", tree->root(), "p", 0)), Errno::BUSY);
}

// openat2's RESOLVE_* restrictions on the walk (RESOLVE_IN_ROOT is the caller's: root =
// start).
TEST(VfsTree, ResolveRestrictions)
{
    auto tree = make_tree();
    auto top = tree->create(tree->root(), "top", NodeType::Directory, 0755).value();
    auto a = tree->create(*top, "a", NodeType::Directory, 0755).value();
    auto f = tree->create(*a, "f", NodeType::Regular, 0644).value();
    tree->create(*top, "inside", NodeType::Symlink, 0777, "a/f").value();
    tree->create(*top, "outside", NodeType::Symlink, 0777, "../top/a/f").value();
    tree->create(*top, "absolute", NodeType::Symlink, 0777, "/top/a/f").value();
    auto proc = tree->create(*top, "proc", NodeType::Directory, 0555).value();
    tree->mark_foreign(*proc, "/proc");
    vfs::ForeignPath foreign;
    auto walk_with = [&](unsigned resolve, std::string_view path) {
        foreign.length = 0;
        return vfs::walk(*tree, { tree->root(), *top, &foreign, resolve }, path, Follow::Yes);
    };
    EXPECT_EQ(walk_with(vfs::ResolveBeneath, "a/../a/f").value().get(), f.get());
    EXPECT_EQ(walk_with(vfs::ResolveBeneath, "inside").value().get(), f.get());
    EXPECT_EQ(error_of(walk_with(vfs::ResolveBeneath, "/top/a/f")), Errno::XDEV);
    EXPECT_EQ(error_of(walk_with(vfs::ResolveBeneath, "a/../../top")), Errno::XDEV);
    EXPECT_EQ(error_of(walk_with(vfs::ResolveBeneath, "outside")), Errno::XDEV);
    EXPECT_EQ(error_of(walk_with(vfs::ResolveBeneath, "absolute")), Errno::XDEV);
    EXPECT_EQ(foreign.length, 0u) << "a refusal is not a way into a kernel file system";
    EXPECT_EQ(walk_with(0, "outside").value().get(), f.get());
    EXPECT_EQ(error_of(walk_with(vfs::ResolveNoSymlinks, "inside")), Errno::LOOP);
    EXPECT_EQ(walk_with(vfs::ResolveNoSymlinks, "a/f").value().get(), f.get());
    EXPECT_EQ(error_of(walk_with(vfs::ResolveNoCrossing, "proc/self")), Errno::XDEV);
    EXPECT_EQ(foreign.length, 0u);
    EXPECT_EQ(error_of(walk_with(0, "proc/self")), Errno::XDEV);
    EXPECT_EQ(foreign.view(), "/proc/self");
    auto in_root = vfs::walk(*tree, { *top, *top, &foreign, vfs::ResolveInRoot }, "/../../a/f", Follow::Yes);
    EXPECT_EQ(in_root.value().get(), f.get());
}

TEST(VfsTree, RenameFollowsLinuxRules)
{
    auto tree = make_tree();
    auto& root = tree->root();
    auto d = tree->create(root, "d", NodeType::Directory, 0755).value();
    auto e = tree->create(root, "e", NodeType::Directory, 0755).value();
    auto sub = tree->create(*d, "sub", NodeType::Directory, 0755).value();
    auto f = tree->create(root, "f", NodeType::Regular, 0644).value();
    auto g = tree->create(root, "g", NodeType::Regular, 0644).value();
    EXPECT_EQ(error_of(tree->rename(root, "d", *sub, "x", 0)), Errno::INVAL) << "into itself";
    EXPECT_EQ(error_of(tree->rename(root, "d", root, "f", 0)), Errno::NOTDIR);
    EXPECT_EQ(error_of(tree->rename(root, "f", root, "d", 0)), Errno::ISDIR);
    EXPECT_EQ(error_of(tree->rename(root, "e", root, "d", 0)), Errno::NOTEMPTY);
    EXPECT_EQ(error_of(tree->rename(root, "f", root, "g", vfs::RenameNoReplace)), Errno::EXIST);
    EXPECT_EQ(error_of(tree->rename(root, "f", root, "nope", vfs::RenameExchange)), Errno::NOENT);
    EXPECT_EQ(error_of(tree->rename(root, "f", root, "g", vfs::RenameWhiteout)), Errno::INVAL);
    ASSERT_FALSE(tree->rename(root, "f", root, "g", 0).is_error());
    EXPECT_EQ(walk(*tree, "/g").value().get(), f.get());
    EXPECT_EQ(g->link_count(), 0u);
    ASSERT_FALSE(tree->rename(*d, "sub", *e, "moved", 0).is_error());
    EXPECT_EQ(sub->parent(), e.get());
    EXPECT_EQ(d->link_count(), 2u);
    EXPECT_EQ(e->link_count(), 3u);
    ASSERT_FALSE(tree->rename(root, "d", root, "e", vfs::RenameExchange).is_error());
    EXPECT_EQ(walk(*tree, "/d/moved").value().get(), sub.get());
    EXPECT_EQ(sub->parent(), e.get()) << "e is now named d";
    ASSERT_FALSE(tree->rename(root, "d", root, "d", 0).is_error());
}

TEST(VfsTree, ListPositionsSurviveRemovals)
{
    auto tree = make_tree();
    for (int i = 0; i < 50; ++i)
        tree->create(tree->root(), "file" + std::to_string(i), NodeType::Regular, 0644).value();
    // Read a few entries at a time, removing each one read (rm -r's pattern).
    std::set<std::string> seen;
    uint64_t position = 0;
    for (bool more = true; more;) {
        std::vector<std::string> batch;
        more = false;
        ASSERT_FALSE(tree->list(tree->root(), position,
                             [&](const vfs::ListedEntry& entry) {
                                 batch.emplace_back(entry.name);
                                 position = entry.next_position;
                                 return !(more = batch.size() == 3);
                             })
                         .is_error());
        for (auto& name : batch) {
            EXPECT_TRUE(seen.insert(name).second) << name;
            if (name != "." && name != "..") {
                ASSERT_FALSE(tree->unlink(tree->root(), name).is_error());
            }
        }
    }
    EXPECT_EQ(seen.size(), 52u);
    EXPECT_EQ(names_in(*tree, tree->root()), (std::set<std::string> { ".", ".." }));
}

TEST_F(VfsOverlay, ImageFilesReadInPlaceUntilWritten)
{
    auto hello = walk(*tree, "/hello.txt").value();
    EXPECT_EQ(read_all(*hello), "hello, world\n");
    ASSERT_TRUE(hello->image_file().has_value());
    EXPECT_EQ(hello->inode(), image.stat(*hello->image_file()).value().ino);
    EXPECT_EQ(tree->bytes_used(), 0u);
    EXPECT_EQ(hello->blocks(), vfs::kPageSize / 512) << "st_blocks: a whole page, as the image and tmpfs hold it";
    EXPECT_EQ(hello->blocks(), image.stat(*hello->image_file()).value().blocks);
    write_text(*tree, *hello, "HELLO");
    EXPECT_FALSE(hello->image_file().has_value()) << "the first write copies the file up";
    EXPECT_EQ(read_all(*hello), "HELLO, world\n");
    EXPECT_EQ(rofs_test::text_of(image.file_data(image.lookup("/hello.txt").value()).value()), "hello, world\n")
        << "the image is never written";
    EXPECT_EQ(walk(*tree, "/lib/x86_64-linux-gnu/libfoo.so.1").value()->size(), 9u);
}

TEST_F(VfsOverlay, MappingAnImageFileCopiesItUp)
{
    auto hello = walk(*tree, "/hello.txt").value();
    std::byte* page = tree->mapped_page(*hello, 0).value();
    EXPECT_FALSE(hello->image_file().has_value());
    EXPECT_EQ(std::memcmp(page, "hello, world\n", 13), 0);
    EXPECT_EQ(page[13], std::byte(0)) << "the tail of the last page reads zero";
}

TEST_F(VfsOverlay, ReadOnlyTreeChangesNothingNamed)
{
    auto bin = walk(*tree, "/bin").value();
    tree->make_read_only();
    auto& root = tree->root();
    EXPECT_EQ(error_of(tree->create(root, "new", NodeType::Regular, 0644)), Errno::ROFS);
    EXPECT_EQ(error_of(tree->create(root, "bin", NodeType::Directory, 0755)), Errno::EXIST) << "EEXIST first, as Linux";
    EXPECT_EQ(error_of(tree->unlink(root, "hello.txt")), Errno::ROFS);
    EXPECT_EQ(error_of(tree->remove_directory(root, "bin")), Errno::NOTEMPTY);
    EXPECT_EQ(error_of(tree->rename(root, "hello.txt", root, "x", 0)), Errno::ROFS);
    auto hello = walk(*tree, "/hello.txt").value();
    EXPECT_EQ(error_of(tree->write(*hello, "x", 1, 0)), Errno::ROFS);
    EXPECT_EQ(error_of(tree->truncate(*hello, 0)), Errno::ROFS);
    EXPECT_EQ(error_of(tree->set_permissions(*hello, 0600)), Errno::ROFS);
    EXPECT_EQ(error_of(tree->mapped_page(*hello, 0)), Errno::ROFS) << "the image's own pages serve, no copy";
    EXPECT_EQ(read_all(*hello), "hello, world\n");
    auto unnamed = tree->create_unnamed(0600).value();
    write_text(*tree, *unnamed, "memfd"); // a file without a name stays writable
    EXPECT_EQ(read_all(*unnamed), "memfd");
}

TEST_F(VfsOverlay, RemovingImageEntriesHidesThem)
{
    auto bin = walk(*tree, "/bin").value();
    ASSERT_FALSE(tree->unlink(*bin, "tool").is_error());
    EXPECT_EQ(error_of(walk(*tree, "/bin/tool")), Errno::NOENT);
    EXPECT_EQ(names_in(*tree, *bin), (std::set<std::string> { ".", ".." }));
    ASSERT_FALSE(tree->remove_directory(tree->root(), "bin").is_error());
    EXPECT_EQ(error_of(walk(*tree, "/bin")), Errno::NOENT);
    EXPECT_EQ(names_in(*tree, tree->root()).count("bin"), 0u);
    auto again = tree->create(tree->root(), "bin", NodeType::Directory, 0700).value();
    EXPECT_EQ(names_in(*tree, *again), (std::set<std::string> { ".", ".." }))
        << "a new directory under an old name is empty";
    EXPECT_EQ(error_of(tree->remove_directory(tree->root(), "usr")), Errno::NOTEMPTY) << "image entries count";
}

TEST_F(VfsOverlay, ListingMergesImageAndTreeOnce)
{
    auto root_names = names_in(*tree, tree->root());
    walk(*tree, "/hello.txt").value(); // looked up while listing must not list it twice
    tree->create(tree->root(), "new", NodeType::Regular, 0644).value();
    ASSERT_FALSE(tree->rename(tree->root(), "empty", tree->root(), "renamed", 0).is_error());
    auto after = names_in(*tree, tree->root());
    root_names.erase("empty");
    root_names.insert("new");
    root_names.insert("renamed");
    EXPECT_EQ(after, root_names);
}

} // namespace
