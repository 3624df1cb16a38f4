// An open file, directory or symlink (O_PATH) of the root tree (vfs::Tree): what open(2)
// gives for a path. Reads and writes go to the node's pages (or the image's, until the
// first write copies them up); getdents64 lists a directory.
#pragma once

#include <kernel/fs/file.h>
#include <vfs/node.h>

#include <string_view>

namespace fs {

/// The stat(2) of a tree node.
void fill_stat(const vfs::Node& node, LinuxStat& st);

class NodeFile final : public File {
public:
    /// `path` is the absolute name it was opened by (for /proc/self/maps and fd/N); copied.
    NodeFile(lib::RefPtr<vfs::Node> node, std::string_view path);
    ~NodeFile() override;

    lib::Result<size_t> read(void* buffer, size_t length) override;
    lib::Result<size_t> pread(void* buffer, size_t length, uint64_t offset) override;
    lib::Result<size_t> write(const void* buffer, size_t length) override;
    lib::Result<size_t> pwrite(const void* buffer, size_t length, uint64_t offset) override;
    lib::Result<uint64_t> seek(int64_t offset, Whence whence) override;
    lib::Result<void> stat(LinuxStat& st) override;
    lib::Result<void> truncate(uint64_t size) override;
    /// The file's pages for mmap: the image's for an image file read through a read-only
    /// descriptor, else the tree's own page frames (MAP_SHARED sees and makes writes).
    lib::Result<const mm::MappedFile*> mapping() override;
    lib::Result<size_t> read_directory(void* buffer, size_t length) override;
    lib::Result<size_t> bytes_readable() override;
    bool pollable() const override { return false; }
    vfs::Node* node() const override { return m_node.get(); }
    size_t describe(char* out, size_t size) const override { return copy_name({ m_path, m_path_length }, out, size); }

private:
    lib::Result<void> check_access(int wanted) const;

    lib::RefPtr<vfs::Node> m_node;
    uint64_t m_position = 0;
    char* m_path = nullptr;
    size_t m_path_length = 0;
};

} // namespace fs
