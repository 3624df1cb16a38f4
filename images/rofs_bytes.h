// Private helpers of the ROFS reader: unaligned loads of on-image structs, DT_* types.
#pragma once

#include <images/rofs_reader.h>

#include <cstring>

namespace images {

/// Copies a T out of `image` at `offset`. Precondition: the bytes are in bounds (checked
/// by the caller or by RofsImage::open()).
template<typename T> T load(std::span<const std::byte> image, uint64_t offset)
{
    T value;
    std::memcpy(&value, image.data() + offset, sizeof(T));
    return value;
}

constexpr uint8_t dirent_type(RofsFileType type)
{
    switch (type) {
    case RofsFileType::Directory: return kRofsDtDirectory;
    case RofsFileType::Symlink: return kRofsDtSymlink;
    case RofsFileType::Regular: break;
    }
    return kRofsDtRegular;
}

constexpr RofsFileType file_type_of_dirent(uint8_t type)
{
    if (type == kRofsDtDirectory)
        return RofsFileType::Directory;
    if (type == kRofsDtSymlink)
        return RofsFileType::Symlink;
    return RofsFileType::Regular;
}

} // namespace images
