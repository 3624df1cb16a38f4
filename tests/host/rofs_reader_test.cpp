// ROFS round trips: what the writer puts in, the reader finds, with Linux path semantics.
#include "rofs_test_util.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <filesystem>
#include <list>
#include <map>
#include <set>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {

using images::RofsImage;
using images::SymlinkMode;
using lib::Errno;
using namespace rofs_test;

// Opens an image whose bytes stay alive until the tests end (a RofsImage points into them).
RofsImage open_or_die(std::vector<std::byte> image)
{
    static std::list<std::vector<std::byte>> kept;
    kept.push_back(std::move(image));
    auto result = RofsImage::open(kept.back());
    EXPECT_FALSE(result.is_error()) << result.error().message;
    return result.release_value();
}

std::string contents(const RofsImage& image, std::string_view path)
{
    auto node = image.lookup(path);
    if (node.is_error())
        return "<error>";
    auto data = image.file_data(*node);
    return data.is_error() ? "<not a file>" : text_of(*data);
}

Errno error_of(const lib::Result<images::RofsNode>& result)
{
    EXPECT_TRUE(result.is_error());
    return result.is_error() ? result.error().code : Errno::PERM;
}

TEST(RofsCrc32c, KnownVector)
{
    EXPECT_EQ(images::crc32c(bytes_of("123456789")), 0xe3069283u);
    EXPECT_EQ(images::crc32c({}), 0u);
}

TEST(RofsReader, RoundTripManyFiles)
{
    images::RofsWriter writer;
    std::map<std::string, std::string> files;
    for (int i = 0; i < 300; ++i) {
        std::string path = "/d" + std::to_string(i % 7) + "/sub" + std::to_string(i % 3) + "/file" + std::to_string(i);
        std::string data(static_cast<size_t>(i * 37 % 9000), static_cast<char>('a' + i % 26));
        files[path] = data;
        writer.add_file(path, bytes_of(data), 0640);
    }
    std::vector<std::byte> bytes = writer.build();
    RofsImage image = open_or_die(bytes);
    for (const auto& [path, data] : files) {
        EXPECT_EQ(contents(image, path), data) << path;
        auto node = image.lookup(path);
        ASSERT_FALSE(node.is_error());
        EXPECT_EQ(node->permissions(), 0640u);
        EXPECT_EQ(node->size(), data.size());
    }
    EXPECT_EQ(image.inode_count(), 1 + 7 + 7 * 3 + 300u);
}

TEST(RofsReader, FileDataIsPageAligned)
{
    std::vector<std::byte> bytes = sample_image();
    RofsImage image = open_or_die(bytes);
    EXPECT_EQ(bytes.size() % images::kRofsPageSize, 0u);
    for (const char* path : { "/hello.txt", "/bin/tool", "/usr/lib/x86_64-linux-gnu/libfoo.so.1.2.3", "/empty" }) {
        auto data = image.file_data(image.lookup(path).value());
        ASSERT_FALSE(data.is_error()) << path;
        size_t offset = static_cast<size_t>(data->data() - image.bytes().data());
        EXPECT_EQ(offset % images::kRofsPageSize, 0u) << path;
        EXPECT_GE(offset, superblock_of(bytes).data_offset) << path;
    }
}

TEST(RofsReader, OutputIsDeterministicWhateverTheOrderOfCalls)
{
    images::RofsWriter forward;
    forward.add_file("/a/x", bytes_of("1"));
    forward.add_file("/b", bytes_of("2"));
    forward.add_symlink("/a/link", "x");
    images::RofsWriter backward;
    backward.add_symlink("/a/link", "x");
    backward.add_file("/b", bytes_of("2"));
    backward.add_file("/a/x", bytes_of("1"));
    EXPECT_EQ(forward.build(), backward.build());
}

TEST(RofsReader, DirectoriesListSortedEntries)
{
    RofsImage image = open_or_die(sample_image());
    auto root = image.directory(image.root());
    ASSERT_FALSE(root.is_error());
    std::vector<std::string> names;
    for (images::RofsDirEntry entry : *root)
        names.emplace_back(entry.name);
    std::vector<std::string> expected { "abs", "bin", "dangling", "empty", "hello.txt", "lib", "loop_a", "loop_b",
        "self", "usr", "var" };
    EXPECT_EQ(names, expected);
    EXPECT_EQ((*root)[1].type, images::RofsFileType::Directory);
    EXPECT_EQ((*root)[0].type, images::RofsFileType::Symlink);
    EXPECT_TRUE(root->find("hello.txt").has_value());
    EXPECT_FALSE(root->find("hello").has_value());

    auto var_empty = image.lookup("/var/empty");
    ASSERT_FALSE(var_empty.is_error());
    EXPECT_TRUE(var_empty->is_directory());
    EXPECT_EQ(var_empty->permissions(), 0700u);
    EXPECT_EQ(image.directory(*var_empty)->size(), 0u);
}

TEST(RofsReader, DotAndDotDot)
{
    RofsImage image = open_or_die(sample_image());
    EXPECT_EQ(contents(image, "/usr/../hello.txt"), "hello, world\n");
    EXPECT_EQ(contents(image, "/./usr/./lib/../../hello.txt"), "hello, world\n");
    EXPECT_EQ(contents(image, "/../../hello.txt"), "hello, world\n");
    EXPECT_EQ(contents(image, "//hello.txt"), "hello, world\n");
    EXPECT_EQ(image.lookup("/usr/..")->number(), 0u);
    EXPECT_EQ(image.lookup("hello.txt")->number(), image.lookup("/hello.txt")->number());
}

TEST(RofsReader, SymlinksAreFollowed)
{
    RofsImage image = open_or_die(sample_image());
    EXPECT_EQ(contents(image, "/lib/x86_64-linux-gnu/libfoo.so.1"),
        "\x7f"
        "ELF fake");
    EXPECT_EQ(contents(image, "/abs/libfoo.so.1"),
        "\x7f"
        "ELF fake");
    // ".." after a symlink to a directory goes to the target's parent (as Linux).
    EXPECT_TRUE(image.lookup("/abs/..")->is_directory());
    EXPECT_EQ(image.lookup("/abs/..")->number(), image.lookup("/usr/lib")->number());

    auto link = image.lookup("/lib", SymlinkMode::NoFollow);
    ASSERT_FALSE(link.is_error());
    EXPECT_TRUE(link->is_symlink());
    EXPECT_EQ(image.read_link(*link).value(), "usr/lib");
    EXPECT_TRUE(image.lookup("/lib")->is_directory());
    EXPECT_TRUE(image.lookup("/lib/", SymlinkMode::NoFollow)->is_directory());
    EXPECT_TRUE(image.lookup("/dangling", SymlinkMode::NoFollow)->is_symlink());
    EXPECT_EQ(error_of(image.lookup("/dangling")), Errno::NOENT);
}

TEST(RofsReader, SymlinkLoopsGiveEloop)
{
    RofsImage image = open_or_die(sample_image());
    EXPECT_EQ(error_of(image.lookup("/loop_a")), Errno::LOOP);
    EXPECT_EQ(error_of(image.lookup("/self")), Errno::LOOP);
    EXPECT_EQ(error_of(image.lookup("/self/x")), Errno::LOOP);
    EXPECT_TRUE(image.lookup("/loop_a", SymlinkMode::NoFollow)->is_symlink());
}

TEST(RofsReader, LongSymlinkChainsStopAtTheLimit)
{
    images::RofsWriter writer;
    writer.add_file("/target", bytes_of("end"));
    for (uint32_t i = 0; i <= images::kRofsMaxSymlinks; ++i)
        writer.add_symlink("/l" + std::to_string(i), i == 0 ? "target" : "l" + std::to_string(i - 1));
    RofsImage image = open_or_die(writer.build());
    std::string last_ok = "/l" + std::to_string(images::kRofsMaxSymlinks - 1);
    EXPECT_EQ(contents(image, last_ok), "end");
    EXPECT_EQ(error_of(image.lookup("/l" + std::to_string(images::kRofsMaxSymlinks))), Errno::LOOP);
}

TEST(RofsReader, MissingPathsAndWrongTypes)
{
    RofsImage image = open_or_die(sample_image());
    EXPECT_EQ(error_of(image.lookup("/nope")), Errno::NOENT);
    EXPECT_EQ(error_of(image.lookup("/usr/nope/x")), Errno::NOENT);
    EXPECT_EQ(error_of(image.lookup("")), Errno::NOENT);
    EXPECT_EQ(error_of(image.lookup("/hello.txt/x")), Errno::NOTDIR);
    EXPECT_EQ(error_of(image.lookup("/hello.txt/")), Errno::NOTDIR);
    EXPECT_EQ(error_of(image.lookup("/" + std::string(300, 'a'))), Errno::NAMETOOLONG);
    EXPECT_EQ(error_of(image.lookup(std::string(5000, '/'))), Errno::NAMETOOLONG);

    auto file = image.lookup("/hello.txt").value();
    EXPECT_EQ(image.directory(file).error().code, Errno::NOTDIR);
    EXPECT_EQ(image.read_link(file).error().code, Errno::INVAL);
    EXPECT_EQ(image.file_data(image.root()).error().code, Errno::ISDIR);
    EXPECT_EQ(error_of(image.lookup_at(file, "x")), Errno::NOTDIR);
    EXPECT_EQ(error_of(image.node(image.inode_count())), Errno::INVAL);
}

TEST(RofsReader, StatReportsModeSizeAndLinks)
{
    images::RofsWriter writer;
    writer.add_file("/dir/a/f", bytes_of(std::string(4097, 'z')), 0755);
    writer.add_directory("/dir/b");
    writer.set_mtime(1700000000);
    RofsImage image = open_or_die(writer.build());
    auto file = image.stat(image.lookup("/dir/a/f").value()).value();
    EXPECT_EQ(file.mode, images::kRofsTypeRegular | 0755u);
    EXPECT_EQ(file.size, 4097u);
    EXPECT_EQ(file.blocks, 16u);
    EXPECT_EQ(file.nlink, 1u);
    EXPECT_EQ(file.mtime, 1700000000u);
    auto dir = image.stat(image.lookup("/dir").value()).value();
    EXPECT_EQ(dir.mode, images::kRofsTypeDirectory | 0755u);
    EXPECT_EQ(dir.nlink, 4u);
    EXPECT_NE(dir.ino, file.ino);
    EXPECT_GT(image.stat(image.root()).value().ino, 0u);
}

TEST(RofsReader, EveryInodeIsReachableExactlyOnce)
{
    RofsImage image = open_or_die(sample_image());
    std::set<uint32_t> seen { 0 };
    std::vector<images::RofsNode> pending { image.root() };
    while (!pending.empty()) {
        images::RofsNode dir = pending.back();
        pending.pop_back();
        images::RofsDirectory entries = image.directory(dir).value();
        for (images::RofsDirEntry entry : entries) {
            EXPECT_TRUE(seen.insert(entry.inode).second);
            auto node = image.node(entry.inode).value();
            if (node.is_directory()) {
                pending.push_back(node);
                EXPECT_EQ(image.parent(node)->number(), dir.number());
            }
        }
    }
    EXPECT_EQ(seen.size(), image.inode_count());
}

TEST(RofsReader, PaddingAfterTheImageIsIgnored)
{
    std::vector<std::byte> bytes = sample_image();
    size_t size = bytes.size();
    bytes.resize(size + 12345, std::byte { 0xee });
    RofsImage image = open_or_die(bytes);
    EXPECT_EQ(image.bytes().size(), size);
}

TEST(RofsWriter, RejectsBadPathsAndConflicts)
{
    images::RofsWriter writer;
    writer.add_file("/a/b", bytes_of("x"));
    EXPECT_THROW(writer.add_file("/a/b", {}), images::RofsWriteError);
    EXPECT_THROW(writer.add_file("/a/b/c", {}), images::RofsWriteError);
    EXPECT_THROW(writer.add_directory("/a/b"), images::RofsWriteError);
    EXPECT_THROW(writer.add_file("relative", {}), images::RofsWriteError);
    EXPECT_THROW(writer.add_file("/x/../y", {}), images::RofsWriteError);
    EXPECT_THROW(writer.add_file("/", {}), images::RofsWriteError);
    EXPECT_THROW(writer.add_file("/" + std::string(256, 'n'), {}), images::RofsWriteError);
    EXPECT_THROW(writer.add_symlink("/s", ""), images::RofsWriteError);
    EXPECT_THROW(writer.add_file("/m", {}, 010000), images::RofsWriteError);
    EXPECT_THROW(writer.add_host_file("/h", "/nonexistent/file"), images::RofsWriteError);
    writer.add_directory("/a", 0711); // an implicit directory can get its mode once
    EXPECT_THROW(writer.add_directory("/a"), images::RofsWriteError);
    RofsImage image = open_or_die(writer.build());
    EXPECT_EQ(image.lookup("/a")->permissions(), 0711u);
}

TEST(RofsWriter, HostFilesKeepTheirBytesAndMode)
{
    images::RofsWriter writer;
    writer.add_host_file("/bin/sh", "/bin/sh");
    RofsImage image = open_or_die(writer.build());
    auto node = image.lookup("/bin/sh").value();
    EXPECT_EQ(node.size(), std::filesystem::file_size("/bin/sh"));
    EXPECT_NE(node.permissions() & 0111, 0u);
}

namespace fs = std::filesystem;

/// A directory of its own for one test, removed at the end.
struct ScratchDirectory {
    fs::path path = fs::temp_directory_path() / ("osprey-rofs-" + std::to_string(getpid()));
    ScratchDirectory() { fs::create_directories(path); }
    ~ScratchDirectory() { fs::remove_all(path); }
};

/// Writes a sparse file of `size` bytes with one byte of data at each offset of `marks`.
void write_sparse_file(const fs::path& path, uint64_t size, std::initializer_list<std::pair<uint64_t, char>> marks)
{
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(ftruncate(fd, off_t(size)), 0);
    for (auto [offset, byte] : marks)
        ASSERT_EQ(pwrite(fd, &byte, 1, off_t(offset)), 1);
    close(fd);
}

/// The file at `path`, mapped read-only (the image's holes cost nothing).
struct MappedFile {
    std::span<const std::byte> bytes;
    explicit MappedFile(const fs::path& path)
    {
        int fd = open(path.c_str(), O_RDONLY);
        uint64_t size = fs::file_size(path);
        void* mapped = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
        close(fd);
        if (mapped != MAP_FAILED)
            bytes = std::span(static_cast<const std::byte*>(mapped), size);
    }
    ~MappedFile()
    {
        if (!bytes.empty())
            munmap(const_cast<std::byte*>(bytes.data()), bytes.size());
    }
};

// A 1 GiB file with 3 bytes of data in it packs as a sparse image: its holes are neither
// read nor written, the image's data pages are holes on the host too, and every page
// (data or hole) passes its checksum when read back.
TEST(RofsWriter, SparseFilesPackSparse)
{
    ScratchDirectory dir;
    constexpr uint64_t kSize = 1ull << 30, kMiddle = 512ull << 20;
    write_sparse_file(dir.path / "sparse", kSize, { { 0, 'A' }, { kMiddle + 5, 'B' }, { kSize - 1, 'C' } });
    images::RofsWriter writer;
    writer.add_host_file("/data/sparse", dir.path / "sparse");
    writer.add_file("/data/small", bytes_of("hello"), 0644);
    uint64_t size = writer.write(dir.path / "image");

    struct stat st;
    ASSERT_EQ(stat((dir.path / "image").c_str(), &st), 0);
    EXPECT_EQ(uint64_t(st.st_size), size);
    EXPECT_GT(size, kSize);
    EXPECT_LT(uint64_t(st.st_blocks) * 512, 8ull << 20) << "the image's holes were written";

    MappedFile mapped(dir.path / "image");
    auto image = RofsImage::open(mapped.bytes);
    ASSERT_FALSE(image.is_error()) << image.error().message;
    auto node = image->lookup("/data/sparse").value();
    EXPECT_EQ(node.size(), kSize);
    auto read = [&](uint64_t offset) {
        auto range = image->file_range(node, offset, 1);
        EXPECT_FALSE(range.is_error()) << offset << ": " << range.error().message;
        return range.is_error() ? -1 : int(range.value()[0]);
    };
    EXPECT_EQ(read(0), 'A');
    EXPECT_EQ(read(1), 0);
    EXPECT_EQ(read(4096 * 1000), 0); // a hole's page: the zero page's checksum
    EXPECT_EQ(read(kMiddle + 5), 'B');
    EXPECT_EQ(read(kSize - 1), 'C');
    EXPECT_EQ(text_of(image->file_range(image->lookup("/data/small").value(), 0, 5).value()), "hello");
}

// The image streamed to a file and the image built in memory are the same bytes, holes
// and partial last pages included.
TEST(RofsWriter, WrittenAndBuiltImagesAgree)
{
    ScratchDirectory dir;
    write_sparse_file(
        dir.path / "sparse", (3 << 20) + 100, { { 4095, 'x' }, { 2 << 20, 'y' }, { (3 << 20) + 99, 'z' } });
    images::RofsWriter writer;
    writer.add_host_file("/a/sparse", dir.path / "sparse");
    writer.add_host_file("/bin/sh", "/bin/sh");
    writer.add_file("/a/empty", {}, 0644);
    writer.add_symlink("/a/link", "sparse");
    writer.write(dir.path / "image");
    MappedFile mapped(dir.path / "image");
    std::vector<std::byte> built = writer.build();
    ASSERT_EQ(built.size(), mapped.bytes.size());
    EXPECT_EQ(std::memcmp(built.data(), mapped.bytes.data(), built.size()), 0);
}

} // namespace
