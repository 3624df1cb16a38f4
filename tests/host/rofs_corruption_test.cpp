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

template<typename Field>
void poke(std::vector<std::byte>& image, size_t offset, Field value)
{
    std::memcpy(image.data() + offset, &value, sizeof(value));
}

TEST(RofsCorruption, ClearMessagesForCommonMistakes)
{
    std::vector<std::byte> image = sample_image();
    EXPECT_EQ(open_error({}), "ROFS: image smaller than its superblock (truncated or not an image)");
    std::vector<std::byte> elf = image;
    std::memcpy(elf.data(), "\x7f" "ELF\x02\x01\x01\x00", 8);
    EXPECT_EQ(open_error(elf), "ROFS: bad magic (not an Osprey image)");
    std::vector<std::byte> future = image;
    poke<uint32_t>(future, offsetof(RofsSuperblock, version), 2);
    EXPECT_EQ(open_error(future), "ROFS: unsupported version (this reader knows version 1)");
    std::vector<std::byte> flipped = image;
    flipped[sizeof(RofsSuperblock) + 3] ^= std::byte { 0x10 };
    EXPECT_EQ(open_error(flipped), "ROFS: metadata checksum mismatch (corrupt image)");
    EXPECT_EQ(open_error(std::span(image).first(image.size() - 1)),
              "ROFS: image is truncated (shorter than its superblock says)");
    EXPECT_EQ(open_error(image), "");
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
        if (offset >= offsetof(RofsSuperblock, metadata_checksum) && offset < offsetof(RofsSuperblock, metadata_checksum) + 4)
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
    expect_rejected(inode1 + offsetof(images::RofsInode, offset), uint64_t(-4096), "file data wraps");
    expect_rejected(inode1 + offsetof(images::RofsInode, size), uint64_t(-1), "file size wraps");
    expect_rejected(sb.inode_table_offset + offsetof(images::RofsInode, size), uint64_t(1000), "root entries beyond table");
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
    poke(swapped, sb2.dirent_table_offset + sizeof(images::RofsDirent) + offsetof(images::RofsDirent, name_offset), name_x);
    reseal(swapped);
    EXPECT_EQ(open_error(swapped), "ROFS: directory entries not sorted or duplicated (corrupt image)");
}

} // namespace
