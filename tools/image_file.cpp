#include "image_file.h"

#include "cli_error.h"

#include <images/rofs_format.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tools {

bool looks_like_rofs_image(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    char magic[sizeof(images::kRofsMagic)] = {};
    in.read(magic, sizeof(magic));
    return in && std::memcmp(magic, images::kRofsMagic, sizeof(magic)) == 0;
}

ImageFile ImageFile::load(const std::filesystem::path& path)
{
    std::error_code error;
    if (!std::filesystem::is_regular_file(path, error))
        throw CliError(kExitBadInput, "image '" + path.string() + "' does not exist or is not a file");
    ImageFile image;
    image.m_path = path;
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        int error_number = errno;
        if (fd >= 0)
            close(fd);
        throw CliError(kExitBadInput, "cannot read image '" + path.string() + "': " + std::strerror(error_number));
    }
    size_t size = size_t(st.st_size);
    void* mapped = size ? mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0) : nullptr;
    close(fd);
    if (mapped == MAP_FAILED)
        throw CliError(kExitHostFailure, "cannot map image '" + path.string() + "': " + std::strerror(errno));
    image.m_bytes = { static_cast<std::byte*>(mapped), Unmap { size } };
    auto reader = images::RofsImage::open(std::span<const std::byte>(image.m_bytes.get(), size));
    if (reader.is_error())
        throw CliError(kExitBadInput, "'" + path.string() + "': " + reader.error().message);
    image.m_reader = reader.release_value();
    return image;
}

void ImageFile::Unmap::operator()(std::byte* bytes) const
{
    if (bytes)
        munmap(bytes, size);
}

CommandLine ImageFile::default_command_line() const
{
    auto node = m_reader->lookup(images::kRofsCmdlinePath);
    if (node.is_error())
        throw CliError(kExitBadInput, "'" + m_path.string() + "' has no " + images::kRofsCmdlinePath
            + ": build the image with `osprey build PROGRAM -o IMAGE`");
    auto data = m_reader->file_data(*node);
    if (data.is_error())
        throw CliError(kExitBadInput, "'" + m_path.string() + "': " + images::kRofsCmdlinePath + " is not a file");
    std::string text(reinterpret_cast<const char*>(data->data()), data->size());
    CommandLine line = decode_command_line(text);
    if (line.argv.empty())
        throw CliError(kExitBadInput, "'" + m_path.string() + "': " + images::kRofsCmdlinePath + " names no program");
    return line;
}

} // namespace tools
