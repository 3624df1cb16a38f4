// Corrupt and hostile ROFS images: open() fails with a clear message, or (if the damage
// still describes a valid tree) every later call stays in bounds. ASan checks the latter.
#include "rofs_test_util.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace {

using images::RofsImage;
using images::RofsSuperblock;
using namespace rofs_test;

std::string open_error(std::span<const std::byte> image)
{
    auto result = RofsImage::open(image);
    return result.is_error() ? result.error().message : "";
}

// Copies exactly `bytes` into a fresh heap block, so ASan sees any read past the end.
std::vector<std::byte> exact_copy(std::span<const std::byte> bytes) { return { bytes.begin(), bytes.end() }; }

template<typename Field> void poke(std::vector<std::byte>& image, size_t offset, Field value)
{
    std::memcpy(image.data() + offset, &value, sizeof(value));
}

TEST(RofsCorruption, ClearMessagesForCommonMistakes)
{
    std::vector<std::byte> image = sample_image();
    EXPECT_EQ(open_error({}), "ROFS: image smaller than its superblock (truncated or not an image)");
    std::vector<std::byte> elf = image;
    std::memcpy(elf.data(),
        "\x7f"
        "ELF\x02\x01\x01\x00",
        8);
    EXPECT_EQ(open_error(elf), "ROFS: bad magic (not an Osprey image)");
    for (uint32_t version : { 1, 3 }) { // version 1 had no page checksums
        std::vector<std::byte> other = image;
        poke<uint32_t>(other, offsetof(RofsSuperblock, version), version);
        EXPECT_EQ(open_error(other),
            "ROFS: unsupported version (this reader knows version 2; rebuild the image with this osprey)");
    }
    std::vector<std::byte> flipped = image;
    flipped[sizeof(RofsSuperblock) + 3] ^= std::byte { 0x10 };
    EXPECT_EQ(open_error(flipped), "ROFS: metadata checksum mismatch (corrupt image)");
    EXPECT_EQ(open_error(std::span(image).first(image.size() - 1)),
        "ROFS: image is truncated (shorter than its superblock says)");
    EXPECT_EQ(open_error(image), "");
}

// File data is checked page by page against the checksums in the metadata: a flipped
// byte anywhere in a file's pages (or in the padding after it) is EIO from file_range for
// any range touching that page, and only that page; file_data, for tools, does not check.
TEST(RofsCorruption, FlippedFileBytesAreEioOnTheirPageOnly)
{
    std::vector<std::byte> image = sample_image();
    auto clean = RofsImage::open(image);
    ASSERT_FALSE(clean.is_error());
    auto tool = clean->lookup("/bin/tool"); // 5000 bytes: two pages
    ASSERT_FALSE(tool.is_error());
    uint64_t start = uint64_t(clean->file_data(*tool)->data() - clean->bytes().data());
    for (uint64_t offset :
        { uint64_t(0), uint64_t(4095), uint64_t(4096), uint64_t(4999), uint64_t(5000), uint64_t(8191) }) {
        std::vector<std::byte> bad = image;
        bad[start + offset] ^= std::byte { 0x01 };
        auto opened = RofsImage::open(bad);
        ASSERT_FALSE(opened.is_error()) << "metadata is intact: open succeeds";
        bool second_page = offset >= 4096;
        auto first = opened->file_range(*tool, 0, 10);
        auto second = opened->file_range(*tool, 4096, 10);
        auto across = opened->file_range(*tool, 4000, 200);
        EXPECT_EQ(first.is_error(), !second_page) << offset;
        EXPECT_EQ(second.is_error(), second_page) << offset;
        ASSERT_TRUE(across.is_error()) << offset;
        EXPECT_EQ(across.error().code, lib::Errno::IO);
        EXPECT_EQ(std::string(across.error().message),
            "ROFS: a file's data page does not match its checksum (corrupt image)");
        EXPECT_FALSE(opened->file_data(*tool).is_error());
    }
}

TEST(RofsCorruption, CheckedPagesAreRememberedAndRangesCut)
{
    std::vector<std::byte> image = sample_image();
    auto opened = RofsImage::open(image);
    ASSERT_FALSE(opened.is_error());
    std::vector<uint64_t> checked((opened->data_page_count() + 63) / 64);
    opened->remember_checked_pages(checked.data());
    auto hello = opened->lookup("/hello.txt");
    ASSERT_FALSE(hello.is_error());
    auto all = opened->file_range(*hello, 0, 1000);
    ASSERT_FALSE(all.is_error());
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(all->data()), all->size()), "hello, world\n");
    EXPECT_EQ(opened->file_range(*hello, 7, 5)->size(), 5u);
    EXPECT_EQ(opened->file_range(*hello, 13, 5)->size(), 0u);
    EXPECT_EQ(opened->file_range(*hello, uint64_t(-1), uint64_t(-1))->size(), 0u);
    size_t marked = 0;
    for (uint64_t word : checked)
        marked += __builtin_popcountll(word);
    EXPECT_EQ(marked, 1u); // hello.txt's one page
    // A page already checked is not checked again: damage after the check goes unseen,
    // which is what makes the check cheap (the image is read-only in memory).
    uint64_t start = uint64_t(opened->file_data(*hello)->data() - opened->bytes().data());
    image[start] ^= std::byte { 0x01 };
    EXPECT_FALSE(opened->file_range(*hello, 0, 1).is_error());
    auto empty = opened->lookup("/empty");
    EXPECT_EQ(opened->file_range(*empty, 0, 10)->size(), 0u);
    auto dir = opened->lookup("/bin");
    EXPECT_EQ(opened->file_range(*dir, 0, 10).error().code, lib::Errno::ISDIR);
}

TEST(RofsCorruption, TruncationAtEverySizeFailsCleanly)
{
    std::vector<std::byte> image = sample_image();
    for (size_t size = 0; size < image.size(); size += (size < 2048 ? 1 : 61)) {
        std::vector<std::byte> truncated = exact_copy(std::span(image).first(size));
        EXPECT_NE(open_error(truncated), "") << "size " << size;
    }
}

TEST(RofsCorruption, FlippedMetadataBytesAreDetected)
{
    std::vector<std::byte> image = sample_image();
    uint64_t metadata = superblock_of(image).metadata_size;
    for (size_t offset = 0; offset < metadata; ++offset) {
        for (uint8_t mask : { 0x01, 0x80, 0xff }) {
            std::vector<std::byte> bad = exact_copy(image);
            bad[offset] ^= std::byte { mask };
            EXPECT_NE(open_error(bad), "") << "offset " << offset << " mask " << int(mask);
        }
    }
}

// Damage that passes the checksum (the image was resealed): the structural checks must
// catch it, or the result must still be safe to walk.
TEST(RofsCorruption, ResealedDamageIsRejectedOrHarmless)
{
    std::vector<std::byte> image = sample_image();
    uint64_t metadata = superblock_of(image).metadata_size;
    size_t rejected = 0;
    size_t accepted = 0;
    for (size_t offset = 0; offset < metadata; ++offset) {
        if (offset >= offsetof(RofsSuperblock, metadata_checksum)
            && offset < offsetof(RofsSuperblock, metadata_checksum) + 4)
            continue;
        for (uint8_t mask : { 0x01, 0x02, 0x10, 0x80, 0xff }) {
            std::vector<std::byte> bad = exact_copy(image);
            bad[offset] ^= std::byte { mask };
            reseal(bad);
            auto result = RofsImage::open(bad);
            if (result.is_error()) {
                ++rejected;
                continue;
            }
            ++accepted;
            touch_everything(*result);
        }
    }
    EXPECT_GT(rejected, accepted); // most damage is structural; the rest (names, modes, mtime) is harmless
}

TEST(RofsCorruption, HostileFieldsAreRejected)
{
    std::vector<std::byte> image = sample_image();
    RofsSuperblock sb = superblock_of(image);
    auto expect_rejected = [&](size_t offset, auto value, const char* what) {
        std::vector<std::byte> bad = exact_copy(image);
        poke(bad, offset, value);
        reseal(bad);
        EXPECT_NE(open_error(bad), "") << what;
    };
    size_t inode1 = sb.inode_table_offset + sizeof(images::RofsInode);
    size_t dirent0 = sb.dirent_table_offset;
    expect_rejected(offsetof(RofsSuperblock, inode_count), uint32_t(0xffffffff), "huge inode count");
    expect_rejected(offsetof(RofsSuperblock, inode_count), uint32_t(0), "no inodes");
    expect_rejected(offsetof(RofsSuperblock, image_size), uint64_t(1) << 62, "huge image size");
    expect_rejected(offsetof(RofsSuperblock, metadata_size), uint64_t(-1), "huge metadata size");
    expect_rejected(offsetof(RofsSuperblock, string_table_size), uint64_t(1) << 40, "huge string table");
    expect_rejected(offsetof(RofsSuperblock, data_offset), uint64_t(0), "data over metadata");
    expect_rejected(offsetof(RofsSuperblock, data_page_count), sb.data_page_count + 1, "checksums past the data");
    expect_rejected(offsetof(RofsSuperblock, data_page_count), uint32_t(0xffffffff), "huge page count");
    expect_rejected(offsetof(RofsSuperblock, data_checksum_offset), sb.data_checksum_offset + 4, "checksums moved");
    expect_rejected(offsetof(RofsSuperblock, data_checksum_offset), uint64_t(-4), "checksums wrap");
    expect_rejected(inode1 + offsetof(images::RofsInode, offset), uint64_t(-4096), "file data wraps");
    expect_rejected(inode1 + offsetof(images::RofsInode, size), uint64_t(-1), "file size wraps");
    expect_rejected(
        sb.inode_table_offset + offsetof(images::RofsInode, size), uint64_t(1000), "root entries beyond table");
    expect_rejected(sb.inode_table_offset + offsetof(images::RofsInode, parent), uint32_t(1), "root with a parent");
    expect_rejected(sb.inode_table_offset, uint32_t(images::kRofsTypeRegular | 0755), "root not a directory");
    expect_rejected(dirent0 + offsetof(images::RofsDirent, name_offset), uint32_t(0xfffffff0), "name out of bounds");
    expect_rejected(dirent0 + offsetof(images::RofsDirent, name_length), uint16_t(0), "empty name");
    expect_rejected(dirent0 + offsetof(images::RofsDirent, inode), uint32_t(0), "entry names the root");
    expect_rejected(dirent0 + offsetof(images::RofsDirent, type), uint8_t(4), "type differs from inode");
}

TEST(RofsCorruption, DirectoryCyclesAreRejected)
{
    // /a/b: make b's entry claim to be a directory whose parent is itself or a descendant.
    images::RofsWriter writer;
    writer.add_directory("/a/b/c");
    std::vector<std::byte> image = writer.build();
    RofsSuperblock sb = superblock_of(image);
    auto inode_field = [&](uint32_t number, size_t field) {
        return sb.inode_table_offset + number * sizeof(images::RofsInode) + field;
    };
    for (uint32_t parent : { 2u, 3u }) {
        std::vector<std::byte> bad = exact_copy(image);
        poke(bad, inode_field(2, offsetof(images::RofsInode, parent)), parent);
        reseal(bad);
        EXPECT_EQ(open_error(bad), "ROFS: directory tree is not a tree (corrupt image)") << parent;
    }
    // Entries out of name order break binary search.
    images::RofsWriter two;
    two.add_file("/x", {});
    two.add_file("/y", {});
    std::vector<std::byte> swapped = two.build();
    RofsSuperblock sb2 = superblock_of(swapped);
    uint32_t name_x = 0;
    std::memcpy(&name_x, swapped.data() + sb2.dirent_table_offset + offsetof(images::RofsDirent, name_offset), 4);
    poke(swapped, sb2.dirent_table_offset + sizeof(images::RofsDirent) + offsetof(images::RofsDirent, name_offset),
        name_x);
    reseal(swapped);
    EXPECT_EQ(open_error(swapped), "ROFS: directory entries not sorted or duplicated (corrupt image)");
}

} // namespace
