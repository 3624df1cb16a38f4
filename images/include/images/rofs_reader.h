// Reads a ROFS image (layout in rofs_format.h) held in memory. Portable: the host tools and
// tests use it, and the kernel compiles the same code freestanding (no allocation, no
// exceptions). RofsImage::open() validates the whole metadata once, so every later call
// stays inside the image whatever bytes the image holds.
//
//   auto image = TRY(images::RofsImage::open(bytes));
//   auto node = TRY(image.lookup("/app/hello"));
//   std::span<const std::byte> data = TRY(image.file_data(node));
#pragma once

#include <images/rofs_format.h>
#include <lib/result.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace images {

enum class RofsFileType : uint8_t { Regular, Directory, Symlink };

/// Whether a lookup follows a symlink named by the path's last component (as Linux
/// O_NOFOLLOW / lstat). Symlinks in the middle of a path are always followed.
enum class SymlinkMode : uint8_t { Follow, NoFollow };

/// One inode of an image: a small value copied out of the inode table. Obtained from a
/// RofsImage only, so its fields have been validated.
class RofsNode {
public:
    uint32_t number() const { return m_number; }
    RofsFileType type() const;
    /// Linux st_mode: type and permission bits.
    uint32_t mode() const { return m_raw.mode; }
    uint32_t permissions() const { return m_raw.mode & kRofsPermMask; }
    /// Regular file: bytes; directory: entry count; symlink: target length.
    uint64_t size() const { return m_raw.size; }
    bool is_regular() const { return type() == RofsFileType::Regular; }
    bool is_directory() const { return type() == RofsFileType::Directory; }
    bool is_symlink() const { return type() == RofsFileType::Symlink; }

private:
    friend class RofsImage;
    RofsNode(uint32_t number, const RofsInode& raw) : m_number(number), m_raw(raw) { }
    uint32_t m_number;
    RofsInode m_raw;
};

struct RofsDirEntry {
    std::string_view name;
    uint32_t inode;
    RofsFileType type;
};

/// Where a directory's entries are in the image (an implementation detail of
/// RofsDirectory and its iterator).
struct RofsDirentView {
    std::span<const std::byte> image;
    uint64_t strings; // string table offset
    uint64_t first;   // byte offset of the first dirent
    RofsDirEntry at(size_t index) const;
};

/// The entries of one directory, sorted by name, without "." and "..". Random access
/// (an index is a stable readdir cookie) and range-for iteration.
class RofsDirectory {
public:
    size_t size() const { return m_count; }
    /// Entry `index`; precondition: index < size().
    RofsDirEntry operator[](size_t index) const { return m_view.at(index); }
    /// Binary search by exact name; nullopt when absent.
    std::optional<RofsDirEntry> find(std::string_view name) const;

    /// Holds its own copy of the view, so it stays valid after the RofsDirectory is gone.
    class Iterator {
    public:
        RofsDirEntry operator*() const { return m_view.at(m_index); }
        Iterator& operator++()
        {
            ++m_index;
            return *this;
        }
        bool operator==(const Iterator& other) const { return m_index == other.m_index; }

    private:
        friend class RofsDirectory;
        Iterator(RofsDirentView view, size_t index) : m_view(view), m_index(index) { }
        RofsDirentView m_view;
        size_t m_index;
    };
    Iterator begin() const { return Iterator(m_view, 0); }
    Iterator end() const { return Iterator(m_view, m_count); }

private:
    friend class RofsImage;
    RofsDirectory(RofsDirentView view, size_t count) : m_view(view), m_count(count) { }
    RofsDirentView m_view;
    size_t m_count;
};

/// What stat() reports for an inode (the fields of Linux struct stat that ROFS defines;
/// uid, gid and the device are the caller's to choose).
struct RofsStat {
    uint64_t ino; // inode number + 1 (0 is not a valid st_ino for many programs)
    uint32_t mode;
    uint32_t nlink;   // 1 for files and symlinks; 2 + subdirectories for directories
    uint64_t size;    // regular: bytes; symlink: target length; directory: page size
    uint64_t blocks;  // 512-byte blocks of file data
    uint32_t blksize; // kRofsPageSize
    uint64_t mtime;   // seconds since the epoch
};

class RofsImage {
public:
    /// Validates `image` (superblock, checksum, every table, name, target and data range,
    /// the directory tree) and returns a reader over it. The bytes must stay alive and
    /// unchanged while the reader and anything it returned are in use. Bytes past the
    /// superblock's image_size are ignored (a module may be padded). Errors: EINVAL with
    /// a message saying what is wrong ("ROFS: bad magic (not an Osprey image)", ...).
    static lib::Result<RofsImage> open(std::span<const std::byte> image);

    RofsNode root() const;
    uint32_t inode_count() const { return m_inode_count; }
    /// The image proper (image_size bytes).
    std::span<const std::byte> bytes() const { return m_image; }

    /// Inode `number`; EINVAL if there is no such inode.
    lib::Result<RofsNode> node(uint32_t number) const;
    /// Resolves `path` from the root (a relative path is taken from the root too). "." and
    /// ".." work (".." of the root is the root), symlinks in the middle are followed and
    /// the last one as `mode` says, a trailing '/' requires a directory. Errors: ENOENT
    /// (missing or empty path), ENOTDIR, ELOOP (more than kRofsMaxSymlinks symlinks),
    /// ENAMETOOLONG.
    lib::Result<RofsNode> lookup(std::string_view path, SymlinkMode mode = SymlinkMode::Follow) const;
    /// As lookup(), with a relative path resolved from directory `base` (ENOTDIR if not).
    lib::Result<RofsNode> lookup_at(
        const RofsNode& base, std::string_view path, SymlinkMode mode = SymlinkMode::Follow) const;
    /// The entry `name` (one component, not "." or "..") of directory `dir`, without
    /// following symlinks. Errors: ENOTDIR, ENOENT.
    lib::Result<RofsNode> lookup_child(const RofsNode& dir, std::string_view name) const;
    /// The parent of a directory (the root's parent is the root). ENOTDIR for others.
    lib::Result<RofsNode> parent(const RofsNode& dir) const;

    /// The entries of a directory; ENOTDIR for others.
    lib::Result<RofsDirectory> directory(const RofsNode& dir) const;
    /// A regular file's contents, in place (page-aligned relative to the image start);
    /// EISDIR for a directory, EINVAL for a symlink. NOT checked against the page
    /// checksums: for tools that inspect an image. Whatever reads a file for a program
    /// (the kernel) uses file_range.
    lib::Result<std::span<const std::byte>> file_data(const RofsNode& file) const;
    /// Bytes [offset, offset + length) of a regular file, cut at its end (empty at or past
    /// it), in place, after checking every data page they touch against its CRC-32C.
    /// Errors as file_data, and EIO naming the page when one does not match (a corrupt
    /// image). With remember_checked_pages, each page is checked once.
    lib::Result<std::span<const std::byte>> file_range(const RofsNode& file, uint64_t offset, uint64_t length) const;
    /// Gives the reader a bitmap of data_page_count() bits, all zero, in which it marks the
    /// pages that passed their check (atomically: readers on several CPUs may share it), so
    /// that file_range checks each page once. The bitmap must outlive the reader.
    void remember_checked_pages(uint64_t* bitmap) { m_checked_pages = bitmap; }
    uint32_t data_page_count() const { return m_data_page_count; }
    /// A symlink's target; EINVAL if `link` is not a symlink.
    lib::Result<std::string_view> read_link(const RofsNode& link) const;
    /// stat-like information; EINVAL if `node` does not belong to this image.
    lib::Result<RofsStat> stat(const RofsNode& node) const;

private:
    RofsImage() = default;
    RofsInode raw_inode(uint32_t number) const;
    std::string_view string_at(uint64_t offset, uint64_t length) const;
    lib::Result<RofsNode> checked(const RofsNode& node) const;

    lib::Result<void> check_superblock(std::span<const std::byte> image);
    lib::Result<void> check_inode(uint32_t number) const;
    lib::Result<void> check_directory(uint32_t number, uint64_t& next_dirent) const;
    lib::Result<void> check_dirent(uint32_t dir, uint64_t index) const;
    lib::Result<void> check_data_page(uint64_t page) const;

    std::span<const std::byte> m_image;
    uint32_t m_inode_count = 0;
    uint32_t m_dirent_count = 0;
    uint64_t m_inode_table = 0;
    uint64_t m_dirent_table = 0;
    uint64_t m_strings = 0;
    uint64_t m_strings_size = 0;
    uint64_t m_data_offset = 0;
    uint64_t m_mtime = 0;
    uint64_t m_data_checksums = 0; // offset of the page checksum table
    uint32_t m_data_page_count = 0;
    uint64_t* m_checked_pages = nullptr; // not owned; see remember_checked_pages
};

} // namespace images
