// ROFS version 2: Osprey's read-only root filesystem image. Shared by the host writer
// (tools), the portable reader (host tests, kernel) and anyone who inspects an image.
//
// All integers are little-endian (the only target is x86-64). Offsets are absolute byte
// offsets from the start of the image. The layout is fixed and dense:
//
//   offset 0                 Superblock (128 bytes)
//   inode_table_offset       Inode[inode_count]        (= 128)
//   dirent_table_offset      Dirent[dirent_count]      (= inode table end)
//   string_table_offset      names and symlink targets (= dirent table end), no NULs needed
//   data_checksum_offset     uint32_t[data_page_count] (= string table end rounded up to 4):
//                            the CRC-32C of each 4 KiB page in [data_offset, image_size)
//   metadata_size            end of the page checksums; the metadata checksum (CRC-32C)
//                            covers bytes [0, metadata_size) with the checksum field zeroed
//   data_offset              = metadata_size rounded up to kRofsPageSize
//   ...                      file data; each regular file starts on a page boundary
//   image_size               a multiple of kRofsPageSize (the last page is zero-padded)
//
// Integrity: open() checks the metadata checksum, so the page checksums are trusted once the
// image is open; a data page is checked against its checksum when first read or mapped
// (RofsImage::file_range), so a flipped byte in a file is an error (EIO, SIGBUS for a
// mapping) instead of a silently different program. Version 1 had no page checksums.
//
// Directory structure (what the reader checks, so a valid image is a tree):
//   - inode 0 is the root directory, and its parent is itself;
//   - inodes are numbered breadth-first: directories are listed in increasing inode
//     order, the entries of directory D occupy dirents [D.offset, D.offset + D.size),
//     the ranges of successive directories are contiguous, and dirent j names inode j + 1.
//     So every inode but the root has exactly one name, and dirent_count = inode_count - 1;
//   - the entries of a directory are sorted by name (bytewise, strictly increasing), so a
//     lookup is a binary search;
//   - a child directory C of D has C.parent == D and C > D, so ".." walks end at the root
//     and there are no cycles.
// File data ranges may overlap (identical contents may be shared); they are read-only.
#pragma once

#include <cstddef>
#include <cstdint>

namespace images {

inline constexpr char kRofsMagic[8] = { 'O', 'S', 'P', 'R', 'O', 'F', 'S', '1' };
inline constexpr uint32_t kRofsVersion = 2;
inline constexpr uint64_t kRofsPageSize = 4096;
/// Longest name of one directory entry (Linux NAME_MAX).
inline constexpr uint32_t kRofsMaxName = 255;
/// Longest symlink target and longest path accepted by lookups (Linux PATH_MAX - 1).
inline constexpr uint32_t kRofsMaxPath = 4095;
/// Symlinks followed in one lookup before it fails with ELOOP (Linux MAXSYMLINKS).
inline constexpr uint32_t kRofsMaxSymlinks = 40;

// File type and permission bits of Inode::mode, as Linux st_mode.
inline constexpr uint32_t kRofsTypeMask = 0170000;
inline constexpr uint32_t kRofsTypeRegular = 0100000;
inline constexpr uint32_t kRofsTypeDirectory = 0040000;
inline constexpr uint32_t kRofsTypeSymlink = 0120000;
inline constexpr uint32_t kRofsPermMask = 07777;

struct RofsSuperblock {
    char magic[8];            // kRofsMagic
    uint32_t version;         // kRofsVersion
    uint32_t superblock_size; // sizeof(RofsSuperblock)
    uint64_t image_size;      // bytes; multiple of page_size
    uint32_t page_size;       // kRofsPageSize
    uint32_t flags;           // 0
    uint32_t inode_count;     // >= 1 (the root)
    uint32_t dirent_count;    // inode_count - 1
    uint64_t inode_table_offset;
    uint64_t dirent_table_offset;
    uint64_t string_table_offset;
    uint64_t string_table_size;
    uint64_t metadata_size;        // string_table_offset + string_table_size
    uint64_t data_offset;          // metadata_size rounded up to page_size
    uint64_t mtime;                // seconds since the epoch, for every inode
    uint32_t metadata_checksum;    // CRC-32C of [0, metadata_size), this field taken as 0
    uint32_t data_page_count;      // (image_size - data_offset) / page_size
    uint64_t data_checksum_offset; // string_table_offset + string_table_size, rounded up to 4
    uint32_t reserved[4];          // 0
};
static_assert(sizeof(RofsSuperblock) == 128);
static_assert(offsetof(RofsSuperblock, version) == 8);
static_assert(offsetof(RofsSuperblock, image_size) == 16);
static_assert(offsetof(RofsSuperblock, inode_count) == 32);
static_assert(offsetof(RofsSuperblock, inode_table_offset) == 40);
static_assert(offsetof(RofsSuperblock, metadata_size) == 72);
static_assert(offsetof(RofsSuperblock, data_offset) == 80);
static_assert(offsetof(RofsSuperblock, mtime) == 88);
static_assert(offsetof(RofsSuperblock, metadata_checksum) == 96);
static_assert(offsetof(RofsSuperblock, data_page_count) == 100);
static_assert(offsetof(RofsSuperblock, data_checksum_offset) == 104);

struct RofsInode {
    uint32_t mode;     // type and permission bits; nothing else may be set
    uint32_t parent;   // directory: its parent's inode (the root's is 0); others: 0
    uint64_t size;     // regular: bytes; directory: entry count; symlink: target length
    uint64_t offset;   // regular: data offset (page-aligned, >= data_offset);
                       // directory: index of its first dirent; symlink: string-table offset
    uint64_t reserved; // 0
};
static_assert(sizeof(RofsInode) == 32);
static_assert(offsetof(RofsInode, parent) == 4);
static_assert(offsetof(RofsInode, size) == 8);
static_assert(offsetof(RofsInode, offset) == 16);

struct RofsDirent {
    uint32_t inode;       // always (index of this dirent) + 1, see above
    uint32_t name_offset; // into the string table
    uint16_t name_length; // 1..kRofsMaxName; no '/' or NUL; not "." or ".."
    uint8_t type;         // Linux DT_* of the inode (DT_REG 8, DT_DIR 4, DT_LNK 10)
    uint8_t reserved0;    // 0
    uint32_t reserved1;   // 0
};
static_assert(sizeof(RofsDirent) == 16);
static_assert(offsetof(RofsDirent, name_offset) == 4);
static_assert(offsetof(RofsDirent, name_length) == 8);
static_assert(offsetof(RofsDirent, type) == 10);

inline constexpr uint8_t kRofsDtRegular = 8;
inline constexpr uint8_t kRofsDtDirectory = 4;
inline constexpr uint8_t kRofsDtSymlink = 10;

/// Where the image's default command line lives (kernel command-line syntax, see
/// images/cmdline.h): "-- /app/<program> ARGS...".
inline constexpr const char* kRofsCmdlinePath = "/.osprey/cmdline";

} // namespace images
