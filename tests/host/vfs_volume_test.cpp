// Volumes in the file tree (vfs/remote_tree.cpp) end to end on the host: a Tree with a
// directory mounted from the 9P client (ninep/client.h), talking to the monitor's 9P server
// (monitor/volume/) over a channel that calls it directly, on a scratch directory. What
// the tree does must be what the host directory shows, and the other way round.
#include "vfs_test_util.h"

#include <monitor/volume/ninep_server.h>
#include <ninep/client.h>
#include <vfs/path_walk.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace {

using lib::Errno;
using monitor::volume::NinepServer;
using monitor::volume::VolumeAccess;
using vfs::Follow;
using vfs::NodeType;
using vfs_test::error_of;
using vfs_test::read_all;
namespace fs = std::filesystem;

/// The server called in place of a device; `corrupt` damages every reply (a hostile or
/// broken host).
class DirectChannel final : public ninep::Channel {
public:
    explicit DirectChannel(NinepServer& server) : m_server(server) { }
    lib::Result<size_t> exchange(std::span<const std::byte> request, std::span<std::byte> reply) override
    {
        ++exchanges;
        auto answer = m_server.handle(request, reply);
        if (corrupt && answer.size() > ninep::kHeaderSize)
            reply[4] = std::byte(0x42); // a type nobody sent
        if (types_unknown && answer.size() > ninep::kHeaderSize + 4
            && reply[4] == std::byte(uint8_t(ninep::Type::Rreaddir)))
            forget_types(reply.first(answer.size()));
        return answer.size();
    }
    size_t max_message() const override { return 64 * 1024; }
    bool corrupt = false;
    bool types_unknown = false; // every listed entry's type is DT_UNKNOWN (a host file system without d_type)
    size_t exchanges = 0;

private:
    /// Rreaddir's entries: qid[13] offset[8] type[1] name[2 + n]; each type becomes 0.
    static void forget_types(std::span<std::byte> reply)
    {
        for (size_t at = ninep::kHeaderSize + 4; at + 24 <= reply.size();) {
            reply[at + 21] = std::byte(0);
            at += 24 + (size_t(reply[at + 22]) | size_t(reply[at + 23]) << 8);
        }
    }

    NinepServer& m_server;
};

std::string slurp(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    return { std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>() };
}

/// <tmp>/share mounted at /data of an empty tree (which also has /tmp, its own).
class VolumeTest : public ::testing::Test {
protected:
    void SetUp() override { mount(VolumeAccess::ReadWrite); }

    void mount(VolumeAccess access)
    {
        char pattern[] = "/tmp/osprey-volume-XXXXXX";
        root = mkdtemp(pattern);
        share = root / "share";
        fs::create_directories(share / "sub");
        std::ofstream(share / "hello.txt") << "from the host\n";
        fs::create_symlink("hello.txt", share / "link");
        auto server_made = NinepServer::open(share.string(), access);
        ASSERT_FALSE(server_made.is_error());
        server = std::make_unique<NinepServer>(std::move(server_made.value()));
        channel = std::make_unique<DirectChannel>(*server);
        auto connected = ninep::Client::connect(*channel, "");
        ASSERT_FALSE(connected.is_error());
        client.reset(connected.value());
        tree.reset(vfs::Tree::create(nullptr, { .byte_limit = 1 << 20 }).value());
        data = tree->create(tree->root(), "data", NodeType::Directory, 0755).value();
        tmp = tree->create(tree->root(), "tmp", NodeType::Directory, 01777).value();
        ASSERT_FALSE(tree->mount(*data, *client).is_error());
    }

    void TearDown() override
    {
        data = tmp = {};
        tree.reset();
        client.reset();
        fs::remove_all(root);
    }

    lib::Result<lib::RefPtr<vfs::Node>> walk(std::string_view path, Follow follow = Follow::Yes)
    {
        return vfs_test::walk(*tree, path, follow);
    }

    std::set<std::string> names_in(vfs::Node& dir)
    {
        std::set<std::string> names;
        EXPECT_FALSE(tree->list(dir, 0,
                             [&](const vfs::ListedEntry& entry) {
                                 names.insert(std::string(entry.name));
                                 return true;
                             })
                         .is_error());
        return names;
    }

    fs::path root, share;
    std::unique_ptr<NinepServer> server;
    std::unique_ptr<DirectChannel> channel;
    std::unique_ptr<ninep::Client> client;
    vfs_test::TreePtr tree;
    lib::RefPtr<vfs::Node> data, tmp;
};

std::map<std::string, uint8_t> types_in(vfs::Tree& tree, vfs::Node& dir)
{
    std::map<std::string, uint8_t> types;
    EXPECT_FALSE(tree.list(dir, 0,
                         [&](const vfs::ListedEntry& entry) {
                             types[std::string(entry.name)] = entry.d_type;
                             return true;
                         })
                     .is_error());
    return types;
}

TEST_F(VolumeTest, ListsEachEntrysTypeAsTheHostHasIt)
{
    constexpr uint8_t kDir = 4, kRegular = 8, kLink = 10;
    EXPECT_EQ(types_in(*tree, *data),
        (std::map<std::string, uint8_t> {
            { ".", kDir }, { "..", kDir }, { "hello.txt", kRegular }, { "link", kLink }, { "sub", kDir } }));
}

// A host file system that does not keep d_type gives DT_UNKNOWN (0): getdents64 must say
// so, as Linux's v9fs does, so that programs stat the entry (find, fts), not take a
// directory for a regular file.
TEST_F(VolumeTest, AnUnknownEntryTypeStaysUnknown)
{
    channel->types_unknown = true;
    auto types = types_in(*tree, *data);
    EXPECT_EQ(types["hello.txt"], 0u);
    EXPECT_EQ(types["sub"], 0u);
    EXPECT_EQ(types["link"], 0u);
}

TEST_F(VolumeTest, ReadsWhatTheHostHas)
{
    auto hello = walk("/data/hello.txt");
    ASSERT_FALSE(hello.is_error());
    EXPECT_EQ(hello.value()->type(), NodeType::Regular);
    EXPECT_EQ(hello.value()->size(), 14u);
    EXPECT_EQ(read_all(*hello.value()), "from the host\n");
    auto link = walk("/data/link", Follow::No);
    ASSERT_FALSE(link.is_error());
    EXPECT_EQ(link.value()->link_target(), "hello.txt");
    EXPECT_EQ(read_all(*walk("/data/link").value()), "from the host\n"); // followed by the tree's walk
    EXPECT_EQ(names_in(*data), (std::set<std::string> { ".", "..", "hello.txt", "link", "sub" }));
    EXPECT_EQ(error_of(walk("/data/missing")), Errno::NOENT);
    EXPECT_EQ(error_of(walk("/data/hello.txt/x")), Errno::NOTDIR);
}

TEST_F(VolumeTest, DotDotLeavesTheVolumeAndGetcwdNamesIt)
{
    auto sub = walk("/data/sub");
    ASSERT_FALSE(sub.is_error());
    EXPECT_EQ(walk("/data/sub/../..").value().get(), &tree->root());
    auto up = vfs::walk(*tree, { tree->root(), *sub.value() }, "..", Follow::Yes);
    EXPECT_EQ(up.value().get(), data.get()); // the mount point, the tree's own node
    char path[64];
    auto length = vfs::path_of(tree->root(), *sub.value(), path, sizeof(path));
    ASSERT_FALSE(length.is_error());
    EXPECT_EQ(std::string(path, length.value()), "/data/sub");
}

// A held directory (a cwd) whose own directory is renamed through the tree: getcwd and
// ".." follow the new name, for every live node of it (volume nodes are not shared).
TEST_F(VolumeTest, GetcwdFollowsARenameOfTheDirectoryAbove)
{
    fs::create_directories(share / "sub" / "deep");
    auto deep = walk("/data/sub/deep");
    auto sub_again = walk("/data/sub");
    ASSERT_FALSE(deep.is_error());
    ASSERT_FALSE(sub_again.is_error());
    ASSERT_FALSE(tree->rename(*data, "sub", *data, "renamed", 0).is_error());
    char path[64];
    auto length = vfs::path_of(tree->root(), *deep.value(), path, sizeof(path));
    ASSERT_FALSE(length.is_error());
    EXPECT_EQ(std::string(path, length.value()), "/data/renamed/deep");
    length = vfs::path_of(tree->root(), *sub_again.value(), path, sizeof(path));
    ASSERT_FALSE(length.is_error());
    EXPECT_EQ(std::string(path, length.value()), "/data/renamed");
    // Moved into another directory of the volume: the new parent is held from now on.
    fs::create_directories(share / "other");
    ASSERT_FALSE(walk("/data/other").is_error());
    lib::RefPtr<vfs::Node> other = walk("/data/other").value();
    ASSERT_FALSE(tree->rename(*data, "renamed", *other, "inner", 0).is_error());
    other = {};
    length = vfs::path_of(tree->root(), *deep.value(), path, sizeof(path));
    ASSERT_FALSE(length.is_error());
    EXPECT_EQ(std::string(path, length.value()), "/data/other/inner/deep");
    auto up = vfs::walk(*tree, { tree->root(), *deep.value() }, "../..", Follow::Yes);
    ASSERT_FALSE(up.is_error());
    auto up_length = vfs::path_of(tree->root(), *up.value(), path, sizeof(path));
    EXPECT_EQ(std::string(path, up_length.value()), "/data/other");
    EXPECT_TRUE(fs::is_directory(share / "other" / "inner" / "deep"));
}

// The renamed directory's parent reached by another walk than the held one's (volume
// nodes are not shared): the held nodes still follow; and a directory removed, or replaced
// by a rename over it, is gone for getcwd (ENOENT), as on Linux.
TEST_F(VolumeTest, GetcwdFollowsRenamesAndRemovalsBelowTheRoot)
{
    fs::create_directories(share / "a" / "sub" / "deep");
    fs::create_directories(share / "a" / "empty");
    fs::create_directories(share / "a" / "gone");
    auto deep = walk("/data/a/sub/deep");
    auto empty = walk("/data/a/empty");
    auto gone = walk("/data/a/gone");
    ASSERT_FALSE(deep.is_error());
    ASSERT_FALSE(empty.is_error());
    ASSERT_FALSE(gone.is_error());
    {
        lib::RefPtr<vfs::Node> a = walk("/data/a").value(); // another node than deep's grandparent
        ASSERT_FALSE(tree->rename(*a, "sub", *a, "x", 0).is_error());
        ASSERT_FALSE(tree->remove_directory(*a, "gone").is_error());
        ASSERT_FALSE(tree->rename(*a, "x", *a, "empty", 0).is_error()); // over the empty directory
    }
    char path[64];
    auto length = vfs::path_of(tree->root(), *deep.value(), path, sizeof(path));
    ASSERT_FALSE(length.is_error());
    EXPECT_EQ(std::string(path, length.value()), "/data/a/empty/deep");
    EXPECT_EQ(error_of(vfs::path_of(tree->root(), *gone.value(), path, sizeof(path))), Errno::NOENT);
    EXPECT_EQ(error_of(vfs::path_of(tree->root(), *empty.value(), path, sizeof(path))), Errno::NOENT);
    EXPECT_TRUE(fs::is_directory(share / "a" / "empty" / "deep"));
}

TEST_F(VolumeTest, ChangesReachTheHost)
{
    auto made = tree->create(*data, "new.txt", NodeType::Regular, 0640);
    ASSERT_FALSE(made.is_error());
    // More than one message's worth (64 KiB channel): the client splits it.
    std::string big(200 * 1024, 'x');
    for (size_t i = 0; i < big.size(); ++i)
        big[i] = char('a' + i % 26);
    auto written = tree->write(*made.value(), big.data(), big.size(), 0);
    ASSERT_FALSE(written.is_error());
    EXPECT_EQ(written.value(), big.size());
    EXPECT_EQ(slurp(share / "new.txt"), big);
    EXPECT_EQ(read_all(*made.value()), big);
    EXPECT_EQ(fs::status(share / "new.txt").permissions() & fs::perms::all, fs::perms(0640));

    ASSERT_FALSE(tree->truncate(*made.value(), 10).is_error());
    EXPECT_EQ(fs::file_size(share / "new.txt"), 10u);
    ASSERT_FALSE(tree->set_permissions(*made.value(), 0600).is_error());
    EXPECT_EQ(made.value()->permissions(), 0600u);
    vfs::Timestamp when { 1'000'000, 5 };
    ASSERT_FALSE(tree->set_times(*made.value(), &when, &when).is_error());
    EXPECT_EQ(made.value()->modify_time().seconds, 1'000'000);

    auto dir = tree->create(*data, "dir", NodeType::Directory, 0755);
    ASSERT_FALSE(dir.is_error());
    EXPECT_TRUE(fs::is_directory(share / "dir"));
    ASSERT_FALSE(tree->rename(*data, "new.txt", *dir.value(), "moved.txt", 0).is_error());
    EXPECT_TRUE(fs::exists(share / "dir" / "moved.txt"));
    ASSERT_FALSE(tree->link(*data, "second", *walk("/data/dir/moved.txt").value()).is_error());
    EXPECT_EQ(fs::hard_link_count(share / "second"), 2u);
    ASSERT_FALSE(tree->create(*data, "sym", NodeType::Symlink, 0777, "dir/moved.txt").is_error());
    EXPECT_EQ(fs::read_symlink(share / "sym"), "dir/moved.txt");
    EXPECT_EQ(error_of(tree->remove_directory(*data, "dir")), Errno::NOTEMPTY);
    ASSERT_FALSE(tree->unlink(*dir.value(), "moved.txt").is_error());
    ASSERT_FALSE(tree->remove_directory(*data, "dir").is_error());
    EXPECT_FALSE(fs::exists(share / "dir"));
    EXPECT_EQ(error_of(tree->unlink(*data, "sub")), Errno::ISDIR);
    EXPECT_EQ(error_of(tree->create(*data, "second", NodeType::Regular, 0644)), Errno::EXIST);
}

TEST_F(VolumeTest, HostChangesAreSeen)
{
    auto hello = walk("/data/hello.txt").value();
    std::ofstream(share / "hello.txt", std::ios::app) << "more\n";
    ASSERT_FALSE(tree->refresh(*hello).is_error());
    EXPECT_EQ(hello->size(), 19u);
    std::ofstream(share / "late.txt") << "late";
    EXPECT_TRUE(names_in(*data).count("late.txt"));
    EXPECT_EQ(read_all(*walk("/data/late.txt").value()), "late");
    fs::remove(share / "late.txt");
    EXPECT_EQ(error_of(walk("/data/late.txt")), Errno::NOENT);
}

TEST_F(VolumeTest, NothingMovesBetweenTheVolumeAndTheTree)
{
    auto own = tree->create(*tmp, "own", NodeType::Regular, 0644).value();
    EXPECT_EQ(error_of(tree->rename(*tmp, "own", *data, "own", 0)), Errno::XDEV);
    EXPECT_EQ(error_of(tree->rename(*data, "hello.txt", *tmp, "hello.txt", 0)), Errno::XDEV);
    EXPECT_EQ(error_of(tree->link(*data, "own", *own)), Errno::XDEV);
    EXPECT_EQ(error_of(tree->link(*tmp, "hello", *walk("/data/hello.txt").value())), Errno::XDEV);
    EXPECT_EQ(error_of(tree->remove_directory(tree->root(), "data")), Errno::BUSY);
    EXPECT_EQ(error_of(tree->rename(tree->root(), "data", tree->root(), "elsewhere", 0)), Errno::BUSY);
    EXPECT_EQ(error_of(tree->mount(*data, *client)), Errno::BUSY);
    EXPECT_EQ(error_of(tree->create(*data, "fifo", NodeType::Fifo, 0644)), Errno::NOTSUP);
    EXPECT_EQ(error_of(tree->mapped_page(*walk("/data/hello.txt").value(), 0)), Errno::NODEV);
    EXPECT_EQ(error_of(tree->rename(*data, "hello.txt", *data, "link", vfs::RenameNoReplace)), Errno::EXIST);
    EXPECT_EQ(error_of(tree->rename(*data, "hello.txt", *data, "link", vfs::RenameExchange)), Errno::INVAL);
}

TEST_F(VolumeTest, HandlesAreGivenBack)
{
    // Every node holds a fid on the server while it lives: walks that come and go must not
    // pile them up (the server caps them).
    size_t before = server->fid_count();
    for (int i = 0; i < 100; ++i) {
        auto hello = walk("/data/sub/../hello.txt");
        ASSERT_FALSE(hello.is_error());
        EXPECT_EQ(read_all(*hello.value()), "from the host\n");
    }
    EXPECT_EQ(server->fid_count(), before);
}

TEST_F(VolumeTest, ADeepChainOfDirectoriesIsGivenBack)
{
    // Each directory holds the one it was reached from; the last reference to the deepest
    // frees them all (one after another, not one inside the other's destructor).
    fs::path deep = share;
    std::string path = "/data";
    for (int i = 0; i < 300; ++i) {
        deep /= "d";
        path += "/d";
    }
    fs::create_directories(deep);
    size_t before = server->fid_count();
    {
        auto node = walk(path);
        ASSERT_FALSE(node.is_error());
        EXPECT_GE(server->fid_count(), before + 300);
    }
    EXPECT_EQ(server->fid_count(), before);
}

TEST_F(VolumeTest, ANewFileIsWritableWhateverItsMode)
{
    // open(O_CREAT | O_WRONLY, 0444): the creating open writes (git's objects, cp -p).
    auto made = tree->create(*data, "sealed", NodeType::Regular, 0444);
    ASSERT_FALSE(made.is_error());
    // Run as root, the host would let any open write; what must hold is that the open uses
    // the creating handle rather than opening the file again (no new fid).
    size_t fids = server->fid_count();
    ASSERT_FALSE(tree->prepare_open(*made.value(), true, true).is_error());
    EXPECT_EQ(server->fid_count(), fids);
    auto written = tree->write(*made.value(), "kept", 4, 0);
    ASSERT_FALSE(written.is_error());
    EXPECT_EQ(slurp(share / "sealed"), "kept");
    EXPECT_EQ(fs::status(share / "sealed").permissions() & fs::perms::all, fs::perms(0444));
}

TEST_F(VolumeTest, ListsALargeDirectoryInSmallBites)
{
    // As musl's readdir does: getdents64 with 2 KiB at a time, each call resuming at the
    // last entry's position; every name comes exactly once.
    for (int i = 0; i < 300; ++i)
        std::ofstream(share / ("file-" + std::to_string(i)));
    std::multiset<std::string> seen;
    uint64_t position = 0;
    for (bool more = true; more;) {
        size_t taken = 0, bytes = 0;
        ASSERT_FALSE(tree->list(
                             *data, position,
                             [&](const vfs::ListedEntry& entry) {
                                 size_t record = (19 + entry.name.size() + 1 + 7) & ~size_t(7);
                                 if (bytes + record > 2048)
                                     return false;
                                 bytes += record;
                                 ++taken;
                                 seen.insert(std::string(entry.name));
                                 position = entry.next_position;
                                 return true;
                             },
                             2048)
                         .is_error());
        more = taken > 0;
    }
    EXPECT_EQ(seen.size(), 305u); // ".", "..", hello.txt, link, sub and the 300
    for (const std::string& name : seen)
        EXPECT_EQ(seen.count(name), 1u) << name;
}

TEST_F(VolumeTest, AppendsLandAtTheHostFilesEnd)
{
    // open(O_CREAT | O_WRONLY | O_APPEND) of a new file (a shell's >>): the creating handle
    // has no O_APPEND, so the append writer is the host's own O_APPEND open.
    auto made = tree->create(*data, "log", NodeType::Regular, 0644);
    ASSERT_FALSE(made.is_error());
    ASSERT_FALSE(tree->prepare_open(*made.value(), false, true, true).is_error());
    std::ofstream(share / "log", std::ios::app) << "host\n";
    ASSERT_FALSE(tree->write(*made.value(), "guest\n", 6, 0).is_error()); // the offset is the host's end
    EXPECT_EQ(slurp(share / "log"), "host\nguest\n");
    EXPECT_EQ(read_all(*made.value()).substr(0, 5), "host\n"); // the reader is still the creating handle
}

TEST_F(VolumeTest, ABrokenServerIsAnErrorNotACrash)
{
    channel->corrupt = true;
    EXPECT_EQ(error_of(walk("/data/hello.txt")), Errno::IO);
    EXPECT_EQ(error_of(tree->create(*data, "x", NodeType::Regular, 0644)), Errno::IO);
    channel->corrupt = false;
    EXPECT_FALSE(walk("/data/hello.txt").is_error());
}

class ReadOnlyVolumeTest : public VolumeTest {
protected:
    void SetUp() override { mount(VolumeAccess::ReadOnly); }
};

TEST_F(ReadOnlyVolumeTest, RefusesEveryChange)
{
    auto hello = walk("/data/hello.txt").value();
    EXPECT_EQ(read_all(*hello), "from the host\n");
    EXPECT_EQ(error_of(tree->create(*data, "new", NodeType::Regular, 0644)), Errno::ROFS);
    EXPECT_EQ(error_of(tree->write(*hello, "x", 1, 0)), Errno::ROFS);
    EXPECT_EQ(error_of(tree->prepare_open(*hello, false, true)), Errno::ROFS);
    EXPECT_EQ(error_of(tree->unlink(*data, "hello.txt")), Errno::ROFS);
    EXPECT_EQ(error_of(tree->set_permissions(*hello, 0600)), Errno::ROFS);
    EXPECT_EQ(slurp(share / "hello.txt"), "from the host\n");
}

} // namespace
