// The monitor's 9P server against a guest that tries to leave the shared directory: "..",
// names holding '/', absolute and relative symlinks, a symlink swapped in between a walk
// and an open, renames and links aimed outside. Beside the share lies "outside" with a
// secret; after every attempt it must be unread, unchanged and hold nothing new.
#include "ninep_test_client.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {

using namespace ninep_test;
constexpr uint32_t kRoot = 1;

struct Escape : ::testing::Test {
    Scratch scratch;
    NinepServer server = NinepServer::open(scratch.share.string(), VolumeAccess::ReadWrite).release_value();
    Client client { server };
    struct stat secret_before { };

    void SetUp() override
    {
        ASSERT_EQ(stat((scratch.outside / "secret.txt").c_str(), &secret_before), 0);
        ASSERT_EQ(client.version(), 0);
        ASSERT_EQ(client.attach(kRoot), 0);
        Scratch::put(scratch.share / "inside.txt", "inside");
    }
    void TearDown() override
    {
        struct stat after;
        ASSERT_EQ(stat((scratch.outside / "secret.txt").c_str(), &after), 0);
        EXPECT_EQ(Scratch::get(scratch.outside / "secret.txt"), "secret");
        EXPECT_EQ(after.st_mode, secret_before.st_mode);
        EXPECT_EQ(after.st_nlink, 1u);
        EXPECT_EQ(after.st_mtim.tv_sec, secret_before.st_mtim.tv_sec);
        EXPECT_EQ(after.st_mtim.tv_nsec, secret_before.st_mtim.tv_nsec);
        EXPECT_EQ(std::distance(std::filesystem::directory_iterator(scratch.outside), {}), 1);
    }
    /// Names fid's directory lists (opened through a fresh fid).
    std::vector<std::string> listing(uint32_t fid)
    {
        EXPECT_EQ(client.walk(fid, 99, {}), 0);
        EXPECT_EQ(client.lopen(99, O_RDONLY | O_DIRECTORY), 0);
        auto names = client.list(99);
        EXPECT_EQ(client.clunk(99), 0);
        return names;
    }
    ninep::Qid qid(uint32_t fid)
    {
        ninep::Attributes a;
        EXPECT_EQ(client.getattr(fid, &a), 0);
        return a.qid;
    }
};

bool lists(const std::vector<std::string>& names, const std::string& name)
{
    return std::find(names.begin(), names.end(), name) != names.end();
}

TEST_F(Escape, DotDotStopsAtTheRoot)
{
    size_t qids = 0;
    ASSERT_EQ(client.walk(kRoot, 2, { ".." }, &qids), 0);
    EXPECT_EQ(qids, 1u);
    ASSERT_EQ(client.walk(kRoot, 3, { "..", "..", "..", "." }, &qids), 0);
    EXPECT_EQ(qids, 4u);
    EXPECT_EQ(qid(2).path, qid(kRoot).path);
    EXPECT_EQ(qid(3).path, qid(kRoot).path);
    EXPECT_TRUE(lists(listing(3), "inside.txt"));
    EXPECT_FALSE(lists(listing(3), "outside"));
    EXPECT_EQ(client.walk(kRoot, 4, { "..", "outside" }, &qids), 0);
    EXPECT_EQ(qids, 1u); // ".." was the root, which has no "outside"
    // Below the root ".." is refused: the host's parent of a directory a fid holds may lie
    // outside the share by now (moved away by the host, or through another volume).
    ASSERT_EQ(client.mkdir(kRoot, "sub"), 0);
    ASSERT_EQ(client.walk(kRoot, 5, { "sub", "..", "inside.txt" }, &qids), 0);
    EXPECT_EQ(qids, 1u); // "sub" only: a partial walk
    ASSERT_EQ(client.walk(kRoot, 5, { "sub" }), 0);
    EXPECT_EQ(client.walk(5, 7, { ".." }), EINVAL);
    // A readdir of the root shows its ".." as the root itself.
    std::vector<Client::Entry> entries;
    ASSERT_EQ(client.walk(kRoot, 6, {}), 0);
    ASSERT_EQ(client.lopen(6, O_RDONLY | O_DIRECTORY), 0);
    ASSERT_EQ(client.readdir(6, 0, 8192, &entries), 0);
    for (const Client::Entry& e : entries) {
        if (e.name == "..") {
            EXPECT_EQ(e.qid.path, qid(kRoot).path);
        }
    }
}

TEST_F(Escape, NamesWithSlashesOrNulAreRefused)
{
    for (const char* name : { "../outside", "../outside/secret.txt", "/etc", "a/b", "", "..." }) {
        std::string text(name);
        int error = client.walk(kRoot, 2, { text });
        EXPECT_TRUE(error == EINVAL || (text == "..." && error == ENOENT)) << name << " " << error;
    }
    EXPECT_EQ(client.walk(kRoot, 2, { std::string("inside.txt\0/../../outside", 25) }), EINVAL);
    EXPECT_EQ(client.lcreate(kRoot, "../outside/new", O_RDWR), EINVAL);
    EXPECT_EQ(client.mkdir(kRoot, "../outside/d"), EINVAL);
    EXPECT_EQ(client.symlink(kRoot, "../outside/l", "x"), EINVAL);
    EXPECT_EQ(client.mknod(kRoot, "../outside/p", S_IFIFO | 0600), EINVAL);
    EXPECT_EQ(client.unlinkat(kRoot, "../outside/secret.txt"), EINVAL);
    EXPECT_EQ(client.renameat(kRoot, "../outside/secret.txt", kRoot, "stolen"), EINVAL);
    EXPECT_EQ(client.renameat(kRoot, "inside.txt", kRoot, "../outside/planted"), EINVAL);
    ASSERT_EQ(client.walk(kRoot, 2, { "inside.txt" }), 0);
    EXPECT_EQ(client.link(kRoot, 2, "../outside/linked"), EINVAL);
    EXPECT_EQ(server.fid_count(), 2u);
}

TEST_F(Escape, AbsoluteSymlinksAreNeverFollowed)
{
    std::filesystem::create_symlink(scratch.outside, scratch.share / "abs");
    std::filesystem::create_symlink(scratch.outside / "secret.txt", scratch.share / "abs-file");
    std::filesystem::create_symlink("/etc", scratch.share / "etc");
    size_t qids = 0;
    ASSERT_EQ(client.walk(kRoot, 2, { "abs", "secret.txt" }, &qids), 0);
    EXPECT_EQ(qids, 1u); // the symlink itself, not a directory to walk on
    ASSERT_EQ(client.walk(kRoot, 2, { "abs-file" }), 0);
    EXPECT_EQ(qid(2).type, ninep::kQidSymlink);
    EXPECT_EQ(client.lopen(2, O_RDONLY), ELOOP);
    EXPECT_EQ(client.read(2, 0, 100), EBADF);
    std::string target;
    ASSERT_EQ(client.readlink(2, &target), 0); // the guest may read the text, and resolves it itself
    EXPECT_EQ(target, (scratch.outside / "secret.txt").string());
    ASSERT_EQ(client.walk(kRoot, 3, { "etc", "passwd" }, &qids), 0);
    EXPECT_EQ(qids, 1u);
    // Opening a symlink's name to create, write or truncate through it fails too.
    EXPECT_EQ(client.lcreate(kRoot, "abs-file", O_RDWR | O_TRUNC), ELOOP);
    ninep::AttributeChange change;
    change.valid = ninep::SetSize;
    EXPECT_EQ(client.setattr(2, change), EINVAL);
    change.valid = ninep::SetMode;
    change.mode = 0777;
    EXPECT_EQ(client.setattr(2, change), EOPNOTSUPP);
    change.valid = ninep::SetMtime | ninep::SetMtimeGiven; // the symlink's own times
    change.mtime_sec = 1;
    EXPECT_EQ(client.setattr(2, change), 0);
    // A hard link of the symlink fid links the symlink, not the secret.
    ASSERT_EQ(client.link(kRoot, 2, "hard"), 0);
    EXPECT_TRUE(std::filesystem::is_symlink(scratch.share / "hard"));
}

TEST_F(Escape, RelativeSymlinksAreNeverFollowed)
{
    std::filesystem::create_symlink("../outside", scratch.share / "up");
    std::filesystem::create_symlink("../outside/created", scratch.share / "dangling");
    std::filesystem::create_directory(scratch.share / "sub");
    std::filesystem::create_symlink("../../outside/secret.txt", scratch.share / "sub" / "deep");
    size_t qids = 0;
    ASSERT_EQ(client.walk(kRoot, 2, { "up", "secret.txt" }, &qids), 0);
    EXPECT_EQ(qids, 1u);
    ASSERT_EQ(client.walk(kRoot, 2, { "up" }), 0);
    EXPECT_EQ(client.lopen(2, O_RDONLY | O_DIRECTORY), ELOOP);
    EXPECT_EQ(client.walk(2, 3, { "secret.txt" }), ENOTDIR);
    EXPECT_EQ(client.mkdir(2, "planted"), ENOTDIR);
    EXPECT_EQ(client.renameat(kRoot, "inside.txt", 2, "planted"), ENOTDIR); // a symlink is no directory fid
    EXPECT_EQ(client.lcreate(kRoot, "dangling", O_RDWR), ELOOP);
    EXPECT_EQ(client.lcreate(kRoot, "dangling", O_RDWR | O_EXCL), EEXIST);
    ASSERT_EQ(client.walk(kRoot, 4, { "sub", "deep" }), 0);
    EXPECT_EQ(client.lopen(4, O_RDWR), ELOOP);
    // Renaming the symlink about keeps it a symlink; the secret stays where it is.
    EXPECT_EQ(client.renameat(kRoot, "up", kRoot, "up2"), 0);
    EXPECT_TRUE(std::filesystem::is_symlink(scratch.share / "up2"));
}

TEST_F(Escape, ASymlinkSwappedInAfterTheWalkIsNotOpened)
{
    Scratch::put(scratch.share / "file", "original");
    std::filesystem::create_directory(scratch.share / "dir");
    ASSERT_EQ(client.walk(kRoot, 2, { "file" }), 0);
    ASSERT_EQ(client.walk(kRoot, 3, { "dir" }), 0);
    // The host (or a racing guest request) swaps both names for symlinks out of the share.
    std::filesystem::create_symlink("../outside/secret.txt", scratch.share / "file.new");
    std::filesystem::rename(scratch.share / "file.new", scratch.share / "file");
    std::filesystem::rename(scratch.share / "dir", scratch.share / "dir.old");
    std::filesystem::create_symlink("../outside", scratch.share / "dir");
    ASSERT_EQ(client.lopen(2, O_RDWR), 0);
    std::string data;
    ASSERT_EQ(client.read(2, 0, 100, &data), 0);
    EXPECT_EQ(data, "original"); // the node the walk found, not what the name says now
    ASSERT_EQ(client.write(2, 0, "written"), 0);
    EXPECT_EQ(client.walk(3, 4, { "secret.txt" }), ENOENT); // still the old directory
    ASSERT_EQ(client.lcreate(3, "new", O_RDWR), 0);
    EXPECT_TRUE(std::filesystem::exists(scratch.share / "dir.old" / "new"));
    ASSERT_EQ(client.walk(kRoot, 5, { "dir" }), 0);
    EXPECT_EQ(client.lopen(5, O_RDONLY), ELOOP);
}

// Tlcreate without O_EXCL on a name that is a FIFO must not wait for a writer (the device
// would stall), nor open anything but a regular file.
TEST_F(Escape, CreateOverAFifoNeitherWaitsNorOpensIt)
{
    ASSERT_EQ(client.mknod(kRoot, "pipe", S_IFIFO | 0644), 0);
    ASSERT_EQ(client.walk(kRoot, 8, {}), 0);
    EXPECT_EQ(client.lcreate(8, "pipe", O_RDONLY), EACCES);
}

TEST_F(Escape, RenamesAndLinksStayInside)
{
    std::filesystem::create_directory(scratch.share / "d");
    std::filesystem::create_symlink("../outside", scratch.share / "d" / "out");
    ASSERT_EQ(client.walk(kRoot, 2, { "d" }), 0);
    // Renaming onto the symlink replaces the symlink, it does not write through it.
    ASSERT_EQ(client.renameat(kRoot, "inside.txt", 2, "out"), 0);
    EXPECT_EQ(Scratch::get(scratch.share / "d" / "out"), "inside");
    // Removing the share's parent entries is refused by name.
    EXPECT_EQ(client.unlinkat(kRoot, "..", ninep::kUnlinkDirectory), EINVAL);
    EXPECT_EQ(client.renameat(kRoot, "..", kRoot, "x"), EINVAL);
    EXPECT_TRUE(std::filesystem::exists(scratch.share));
}

} // namespace
