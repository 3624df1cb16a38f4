// The monitor's 9P2000.L server (monitor/volume/) on a scratch directory: the session,
// every message it serves, host errors as Linux errnos, read-only volumes and its bounds.
// Escape attempts are in monitor_ninep_confinement_test.cpp.
#include "ninep_test_client.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {

using namespace ninep_test;
constexpr uint32_t kRoot = 1;

struct Session {
    explicit Session(VolumeAccess access = VolumeAccess::ReadWrite, size_t max_fids = 64)
        : server(NinepServer::open(scratch.share.string(), access, max_fids).release_value())
    {
        EXPECT_EQ(client.version(), 0);
        EXPECT_EQ(client.attach(kRoot), 0);
    }
    Scratch scratch;
    NinepServer server;
    Client client { server };
};

TEST(NinepServer, OpenRefusesAMissingDirectoryOrAFile)
{
    Scratch scratch;
    EXPECT_EQ(
        NinepServer::open((scratch.root / "none").string(), VolumeAccess::ReadOnly).error().code, lib::Errno::NOENT);
    EXPECT_EQ(NinepServer::open((scratch.outside / "secret.txt").string(), VolumeAccess::ReadOnly).error().code,
        lib::Errno::NOTDIR);
}

TEST(NinepServer, VersionNegotiatesMsizeAndTheDialect)
{
    Scratch scratch;
    auto server = NinepServer::open(scratch.share.string(), VolumeAccess::ReadWrite).release_value();
    Client client(server);
    Answer a = client.send(Type::Tversion, [](ninep::Writer& w) { w.u32(8192).string("9P2000.L"); });
    ASSERT_EQ(a.type, Type::Rversion);
    auto in = a.reader();
    EXPECT_EQ(in.tag(), client.last_tag());
    EXPECT_EQ(in.u32(), 8192u);
    EXPECT_EQ(in.string(), "9P2000.L");

    a = client.send(Type::Tversion, [](ninep::Writer& w) { w.u32(1u << 30).string("9P2000.u"); });
    in = a.reader();
    EXPECT_EQ(in.u32(), monitor::volume::kMaxMessageSize);
    EXPECT_EQ(in.string(), "unknown");
    EXPECT_EQ(client.version(100), EINVAL);
}

TEST(NinepServer, VersionClunksEveryFid)
{
    Session s;
    EXPECT_EQ(s.server.fid_count(), 1u);
    EXPECT_EQ(s.client.version(), 0);
    EXPECT_EQ(s.server.fid_count(), 0u);
    EXPECT_EQ(s.client.clunk(kRoot), EBADF);
}

TEST(NinepServer, CreateWriteReadAndGetattr)
{
    Session s;
    ASSERT_EQ(s.client.walk(kRoot, 2, {}), 0);
    ASSERT_EQ(s.client.lcreate(2, "file", O_RDWR, 0640), 0);
    ASSERT_EQ(s.client.write(2, 0, "hello, volume"), 0);
    std::string data;
    ASSERT_EQ(s.client.read(2, 7, 100, &data), 0);
    EXPECT_EQ(data, "volume");
    EXPECT_EQ(Scratch::get(s.scratch.share / "file"), "hello, volume");
    ninep::Attributes a;
    ASSERT_EQ(s.client.getattr(2, &a), 0);
    EXPECT_EQ(a.size, 13u);
    EXPECT_EQ(a.mode, uint32_t(S_IFREG | 0640));
    EXPECT_EQ(a.uid, getuid());
    EXPECT_EQ(a.links, 1u);
    EXPECT_EQ(a.qid.type, 0);
    EXPECT_EQ(s.client.fsync(2), 0);
    EXPECT_EQ(s.client.lcreate(kRoot, "file", O_RDWR | O_EXCL), EEXIST);

    ASSERT_EQ(s.client.walk(kRoot, 3, { "file" }), 0);
    EXPECT_EQ(s.client.read(3, 0, 10), EBADF); // not open
    ASSERT_EQ(s.client.lopen(3, O_RDONLY), 0);
    ASSERT_EQ(s.client.read(3, 0, 5, &data), 0);
    EXPECT_EQ(data, "hello");
    EXPECT_EQ(s.client.lopen(3, O_RDONLY), EINVAL); // already open
    EXPECT_EQ(s.client.write(3, 0, "x"), EBADF);    // open for reading only
}

TEST(NinepServer, WalkFindsNodesAndStopsAtTheFirstMissingName)
{
    Session s;
    std::filesystem::create_directories(s.scratch.share / "a" / "b");
    Scratch::put(s.scratch.share / "a" / "b" / "c", "c");
    size_t qids = 0;
    ASSERT_EQ(s.client.walk(kRoot, 2, { "a", "b", "c" }, &qids), 0);
    EXPECT_EQ(qids, 3u);
    EXPECT_EQ(s.client.walk(kRoot, 3, { "a", "missing", "c" }, &qids), 0);
    EXPECT_EQ(qids, 1u);
    EXPECT_EQ(s.client.clunk(3), EBADF); // a partial walk makes no fid
    EXPECT_EQ(s.client.walk(kRoot, 3, { "missing" }), ENOENT);
    EXPECT_EQ(s.client.walk(2, 3, { "x" }), ENOTDIR);
    EXPECT_EQ(s.client.walk(kRoot, 2, {}), EBADF); // newfid in use
    EXPECT_EQ(s.client.walk(9, 3, {}), EBADF);     // no such fid
    ASSERT_EQ(s.client.walk(kRoot, 3, { ".", "a", "." }, &qids), 0);
    EXPECT_EQ(qids, 3u);
    ASSERT_EQ(s.client.walk(3, 3, { "b", "c" }), 0); // newfid == fid moves it
    std::string data;
    ASSERT_EQ(s.client.lopen(3, O_RDONLY), 0);
    ASSERT_EQ(s.client.read(3, 0, 10, &data), 0);
    EXPECT_EQ(data, "c");
    std::vector<std::string> names(17, ".");
    EXPECT_EQ(s.client.walk(kRoot, 4, names), EINVAL);
}

TEST(NinepServer, ReaddirListsDotDotDotAndEveryEntryAcrossCalls)
{
    Session s;
    for (int i = 0; i < 40; ++i)
        Scratch::put(s.scratch.share / ("file-with-a-long-name-" + std::to_string(i)), "");
    ASSERT_EQ(s.client.walk(kRoot, 2, {}), 0);
    ASSERT_EQ(s.client.lopen(2, O_RDONLY | O_DIRECTORY), 0);
    auto names = s.client.list(2, 200); // a few entries per reply
    std::sort(names.begin(), names.end());
    ASSERT_EQ(names.size(), 42u);
    EXPECT_EQ(names[0], ".");
    EXPECT_EQ(names[1], "..");
    EXPECT_EQ(s.client.list(2).size(), 42u); // offset 0 starts again
    std::vector<Client::Entry> entries;
    EXPECT_EQ(s.client.readdir(2, 0, 10, &entries), EINVAL); // no room for one entry
    ASSERT_EQ(s.client.walk(kRoot, 3, {}), 0);
    EXPECT_EQ(s.client.readdir(3, 0, 4096, &entries), EBADF); // not open
}

TEST(NinepServer, DirectoryChangesAndTheirErrors)
{
    Session s;
    ASSERT_EQ(s.client.mkdir(kRoot, "dir", 0750), 0);
    EXPECT_TRUE(std::filesystem::is_directory(s.scratch.share / "dir"));
    EXPECT_EQ(s.client.mkdir(kRoot, "dir"), EEXIST);
    Scratch::put(s.scratch.share / "dir" / "inner", "1");
    EXPECT_EQ(s.client.unlinkat(kRoot, "dir", ninep::kUnlinkDirectory), ENOTEMPTY);
    EXPECT_EQ(s.client.unlinkat(kRoot, "dir"), EISDIR);
    EXPECT_EQ(s.client.unlinkat(kRoot, "dir", 0x1), EINVAL);
    ASSERT_EQ(s.client.walk(kRoot, 2, { "dir" }), 0);
    ASSERT_EQ(s.client.renameat(2, "inner", kRoot, "moved"), 0);
    EXPECT_EQ(Scratch::get(s.scratch.share / "moved"), "1");
    EXPECT_EQ(s.client.renameat(2, "inner", kRoot, "again"), ENOENT);
    EXPECT_EQ(s.client.unlinkat(kRoot, "dir", ninep::kUnlinkDirectory), 0);
    EXPECT_EQ(s.client.unlinkat(kRoot, "moved"), 0);
    EXPECT_EQ(s.client.unlinkat(kRoot, "moved"), ENOENT);
    EXPECT_TRUE(std::filesystem::is_empty(s.scratch.share));
    EXPECT_EQ(s.client.mkdir(kRoot, "."), EINVAL);
    EXPECT_EQ(s.client.unlinkat(kRoot, ".."), EINVAL);
    EXPECT_EQ(s.client.mknod(kRoot, "fifo", S_IFIFO | 0600), 0);
    EXPECT_TRUE(std::filesystem::is_fifo(s.scratch.share / "fifo"));
    EXPECT_EQ(s.client.mknod(kRoot, "dev", S_IFCHR | 0600), EPERM);
    EXPECT_EQ(s.client.mknod(kRoot, "file", S_IFREG | 0600), EPERM);
}

TEST(NinepServer, SymlinksReadlinkAndHardLinks)
{
    Session s;
    Scratch::put(s.scratch.share / "target", "t");
    ASSERT_EQ(s.client.symlink(kRoot, "link", "target"), 0);
    EXPECT_EQ(std::filesystem::read_symlink(s.scratch.share / "link"), "target");
    EXPECT_EQ(s.client.symlink(kRoot, "link", "x"), EEXIST);
    ASSERT_EQ(s.client.walk(kRoot, 2, { "link" }), 0);
    std::string target;
    ASSERT_EQ(s.client.readlink(2, &target), 0);
    EXPECT_EQ(target, "target");
    EXPECT_EQ(s.client.readlink(kRoot, &target), EINVAL);

    ASSERT_EQ(s.client.walk(kRoot, 3, { "target" }), 0);
    ASSERT_EQ(s.client.link(kRoot, 3, "second"), 0);
    ninep::Attributes a;
    ASSERT_EQ(s.client.getattr(3, &a), 0);
    EXPECT_EQ(a.links, 2u);
    EXPECT_EQ(Scratch::get(s.scratch.share / "second"), "t");
    EXPECT_EQ(s.client.link(kRoot, 3, "second"), EEXIST);
    EXPECT_EQ(s.client.link(3, 3, "third"), ENOTDIR);
}

TEST(NinepServer, SetattrModeSizeTimesAndOwner)
{
    Session s;
    Scratch::put(s.scratch.share / "f", "0123456789");
    ASSERT_EQ(s.client.walk(kRoot, 2, { "f" }), 0);
    ninep::AttributeChange change;
    change.valid = ninep::SetMode | ninep::SetSize | ninep::SetMtime | ninep::SetMtimeGiven | ninep::SetAtime;
    change.mode = 04751; // set-user-ID is dropped
    change.size = 4;
    change.mtime_sec = 1000000000;
    change.mtime_nsec = 5;
    ASSERT_EQ(s.client.setattr(2, change), 0);
    struct stat st;
    ASSERT_EQ(stat((s.scratch.share / "f").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0751u);
    EXPECT_EQ(st.st_size, 4);
    EXPECT_EQ(st.st_mtim.tv_sec, 1000000000);
    EXPECT_EQ(st.st_mtim.tv_nsec, 5);
    EXPECT_GT(st.st_atim.tv_sec, 1000000000); // now

    change = {};
    change.valid = ninep::SetUid | ninep::SetGid;
    change.uid = getuid();
    change.gid = getgid();
    EXPECT_EQ(s.client.setattr(2, change), 0);
    if (getuid() != 0) { // the host's refusal passes through
        change.valid = ninep::SetUid;
        change.uid = 0;
        EXPECT_EQ(s.client.setattr(2, change), EPERM);
    }
    change.valid = ninep::SetMtime | ninep::SetMtimeGiven;
    change.mtime_nsec = 2000000000;
    EXPECT_EQ(s.client.setattr(2, change), EINVAL);
    ASSERT_EQ(s.client.walk(kRoot, 3, {}), 0);
    change.valid = ninep::SetSize;
    EXPECT_EQ(s.client.setattr(3, change), EISDIR);
}

TEST(NinepServer, StatfsDescribesTheHostFilesystem)
{
    Session s;
    Answer a = s.client.send(Type::Tstatfs, [](ninep::Writer& w) { w.u32(kRoot); });
    ASSERT_EQ(a.type, Type::Rstatfs);
    auto in = a.reader();
    in.u32();
    EXPECT_GT(in.u32(), 0u); // block size
    in.u64(), in.u64(), in.u64(), in.u64(), in.u64(), in.u64();
    EXPECT_GT(in.u32(), 0u); // name length
    EXPECT_FALSE(in.finish().is_error());
}

TEST(NinepServer, ReadOnlyVolumeRefusesEveryChangeWithErofs)
{
    Session s(VolumeAccess::ReadOnly);
    Scratch::put(s.scratch.share / "f", "data");
    ASSERT_EQ(s.client.walk(kRoot, 2, { "f" }), 0);
    EXPECT_EQ(s.client.lopen(2, O_WRONLY), EROFS);
    EXPECT_EQ(s.client.lopen(2, O_RDONLY | O_TRUNC), EROFS);
    EXPECT_EQ(s.client.lcreate(kRoot, "new", O_RDWR), EROFS);
    EXPECT_EQ(s.client.mkdir(kRoot, "d"), EROFS);
    EXPECT_EQ(s.client.symlink(kRoot, "l", "f"), EROFS);
    EXPECT_EQ(s.client.mknod(kRoot, "p", S_IFIFO | 0600), EROFS);
    EXPECT_EQ(s.client.link(kRoot, 2, "g"), EROFS);
    EXPECT_EQ(s.client.renameat(kRoot, "f", kRoot, "g"), EROFS);
    EXPECT_EQ(s.client.unlinkat(kRoot, "f"), EROFS);
    ninep::AttributeChange change;
    change.valid = ninep::SetMtime;
    EXPECT_EQ(s.client.setattr(2, change), EROFS);
    ASSERT_EQ(s.client.lopen(2, O_RDONLY), 0);
    std::string data;
    ASSERT_EQ(s.client.read(2, 0, 100, &data), 0);
    EXPECT_EQ(data, "data");
    EXPECT_EQ(Scratch::get(s.scratch.share / "f"), "data");
}

TEST(NinepServer, FidsAreCappedAndFreedByClunk)
{
    Session s(VolumeAccess::ReadWrite, 4);
    for (uint32_t fid = 2; fid <= 4; ++fid)
        ASSERT_EQ(s.client.walk(kRoot, fid, {}), 0);
    EXPECT_EQ(s.client.walk(kRoot, 5, {}), EMFILE);
    EXPECT_EQ(s.client.attach(5), EMFILE);
    EXPECT_EQ(s.client.clunk(4), 0);
    EXPECT_EQ(s.client.walk(kRoot, 5, {}), 0);
    EXPECT_EQ(s.server.fid_count(), 4u);
}

TEST(NinepServer, ReadsAreClampedToMsizeAndTheReplyBuffer)
{
    Session s;
    Scratch::put(s.scratch.share / "big", std::string(100000, 'b'));
    EXPECT_EQ(s.client.version(4096), 0);
    ASSERT_EQ(s.client.attach(kRoot), 0);
    ASSERT_EQ(s.client.walk(kRoot, 2, { "big" }), 0);
    ASSERT_EQ(s.client.lopen(2, O_RDONLY), 0);
    std::string data;
    ASSERT_EQ(s.client.read(2, 0, 100000, &data), 0);
    EXPECT_EQ(data.size(), 4096u - ninep::kReadOverhead);

    Client small(s.server, 100);
    ASSERT_EQ(small.read(2, 0, 100000, &data), 0);
    EXPECT_EQ(data.size(), 100u - ninep::kReadOverhead);
    std::vector<std::byte> tiny(10);
    std::array<std::byte, 32> request {};
    EXPECT_TRUE(s.server.handle(request, tiny).empty());
}

TEST(NinepServer, MalformedAndUnknownMessagesGetRlerror)
{
    Session s;
    // Twalk whose names are cut off: EIO, with the request's tag.
    Answer a = s.client.send(Type::Twalk, [](ninep::Writer& w) { w.u32(kRoot).u32(2).u16(3).string("a"); });
    EXPECT_EQ(a.error, EIO);
    EXPECT_EQ(a.reader().tag(), s.client.last_tag());
    EXPECT_EQ(s.server.fid_count(), 1u);
    a = s.client.send(Type(30), [](ninep::Writer& w) { w.u32(kRoot).u32(2).string("user.x"); }); // Txattrwalk
    EXPECT_EQ(a.error, EOPNOTSUPP);
    a = s.client.send(Type::Rread, [](ninep::Writer&) {});
    EXPECT_EQ(a.error, EOPNOTSUPP);
    const std::byte garbage[3] = { std::byte(0xff), std::byte(0xff), std::byte(0xff) };
    a = s.client.send_raw(garbage);
    EXPECT_EQ(a.error, EIO);
    EXPECT_EQ(a.reader().tag(), ninep::kNoTag);
    a = s.client.send(Type::Tflush, [](ninep::Writer& w) { w.u16(7); });
    EXPECT_EQ(a.type, Type::Rflush);
}

} // namespace
