// A file of the ROFS image read in place: what the ELF loader opens programs and libraries
// by, and what mmap of an image file not written since boot maps. Programs' open(2) gives
// a NodeFile (node_file.h) instead.
#pragma once

#include <kernel/fs/file.h>
#include <images/rofs_reader.h>

namespace fs {

class RofsFile final : public File {
public:
    /// `path` is the name it was opened by (for /proc/self/maps); copied.
    RofsFile(const images::RofsImage& image, const images::RofsNode& node, std::string_view path = {});
    ~RofsFile() override;

    lib::Result<size_t> read(void* buffer, size_t length) override;
    lib::Result<size_t> pread(void* buffer, size_t length, uint64_t offset) override;
    lib::Result<uint64_t> seek(int64_t offset, Whence whence) override;
    lib::Result<void> stat(LinuxStat& st) override;
    lib::Result<const mm::MappedFile*> mapping() override;
    bool pollable() const override { return false; }

    /// The file's bytes in the image (page-aligned), for mmap without copying. Not checked
    /// against the image's page checksums: check() the bytes read from it directly.
    lib::Result<std::span<const std::byte>> contents() const { return m_image.file_data(m_node); }
    /// Checks the pages under [offset, offset + length) against the image's checksums (EIO).
    lib::Result<void> check(uint64_t offset, uint64_t length) const
    {
        TRY(m_image.file_range(m_node, offset, length));
        return {};
    }

private:
    const images::RofsImage& m_image;
    images::RofsNode m_node;
    uint64_t m_position = 0;
    char* m_path = nullptr;
    size_t m_path_length = 0;
};

} // namespace fs
