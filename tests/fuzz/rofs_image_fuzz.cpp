// libFuzzer target: the ROFS reader (images/) on damaged images. The input is a list of
// edits (offset, xor byte) to a valid image, resealed or not (metadata checksum made to
// pass again), so that the structural checks, not just the checksum, stand between the
// damage and the reader. open() must refuse the image, or every later call stays in
// bounds (ASan); and when only file data was damaged, file_range must say EIO for every
// file with a page that lost exactly one byte (CRC-32C catches every such change).
#include <images/crc32c.h>
#include <images/rofs_reader.h>
#include <images/rofs_writer.h>

#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace {

using images::RofsImage;
using images::RofsNode;

std::vector<std::byte> text(const std::string& s)
{
    std::vector<std::byte> out(s.size());
    std::memcpy(out.data(), s.data(), s.size());
    return out;
}

std::vector<std::byte> sample_image()
{
    images::RofsWriter writer;
    writer.add_file("/hello.txt", text("hello, world\n"), 0644);
    writer.add_file("/empty", {}, 0600);
    writer.add_file("/bin/tool", text(std::string(9000, 'x')), 0755);
    writer.add_file("/usr/lib/libfoo.so.1.2", text("\x7f" "ELF fake"), 0644);
    writer.add_symlink("/usr/lib/libfoo.so.1", "libfoo.so.1.2");
    writer.add_symlink("/lib", "usr/lib");
    writer.add_symlink("/loop", "loop");
    return writer.build();
}

void reseal(std::vector<std::byte>& image)
{
    images::RofsSuperblock sb;
    std::memcpy(&sb, image.data(), sizeof(sb));
    if (sb.metadata_size < sizeof(sb) || sb.metadata_size > image.size())
        return;
    sb.metadata_checksum = 0;
    std::memcpy(image.data(), &sb, sizeof(sb));
    sb.metadata_checksum = images::crc32c(std::span(image).first(sb.metadata_size));
    std::memcpy(image.data(), &sb, sizeof(sb));
}

/// Every call a reader offers, on every inode; returns a value so nothing is optimised out.
size_t walk(const RofsImage& image)
{
    size_t seen = 0;
    std::vector<uint64_t> checked((image.data_page_count() + 63) / 64);
    for (uint32_t number = 0; number < image.inode_count(); ++number) {
        auto node = image.node(number);
        if (node.is_error())
            continue;
        seen += !image.stat(*node).is_error();
        if (auto dir = image.directory(*node); !dir.is_error())
            for (images::RofsDirEntry entry : *dir)
                seen += entry.name.size() + !image.lookup_at(*node, entry.name).is_error();
        if (auto range = image.file_range(*node, 0, UINT64_MAX); !range.is_error() && !range->empty())
            seen += size_t(range->back());
        if (auto target = image.read_link(*node); !target.is_error())
            seen += target->size();
    }
    for (const char* path : { "/", "/hello.txt", "/lib/libfoo.so.1", "/loop", "/bin/../bin/tool/" })
        seen += !image.lookup(path).is_error();
    return seen;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static const std::vector<std::byte> clean = sample_image();
    if (size < 1)
        return 0;
    bool resealed = data[0] & 1;
    std::vector<std::byte> image = clean;
    std::map<uint64_t, uint8_t> damage; // offset -> net xor
    for (size_t i = 1; i + 3 <= size; i += 3) {
        uint64_t offset = (uint64_t(data[i]) | uint64_t(data[i + 1]) << 8 | uint64_t(data[i + 2] & 0x7f) << 16) % image.size();
        uint8_t mask = data[i + 2] & 0x80 ? 0xff : uint8_t(1u << (data[i] % 8));
        image[offset] ^= std::byte { mask };
        damage[offset] ^= mask;
    }
    if (resealed)
        reseal(image);
    auto opened = RofsImage::open(image);
    if (opened.is_error())
        return 0;
    walk(*opened);

    // Only file data damaged: each file with a page that lost exactly one byte is EIO.
    images::RofsSuperblock sb;
    std::memcpy(&sb, clean.data(), sizeof(sb));
    std::map<uint64_t, int> bytes_per_page;
    for (auto [offset, mask] : damage) {
        if (mask == 0)
            continue;
        if (offset < sb.data_offset)
            return 0; // metadata changed too: no property to check
        ++bytes_per_page[(offset - sb.data_offset) / images::kRofsPageSize];
    }
    auto clean_reader = RofsImage::open(clean);
    for (uint32_t number = 0; number < clean_reader->inode_count(); ++number) {
        auto node = clean_reader->node(number);
        auto data_span = clean_reader->file_data(*node);
        if (data_span.is_error() || data_span->empty())
            continue;
        uint64_t start = uint64_t(data_span->data() - clean_reader->bytes().data()) - sb.data_offset;
        uint64_t end = start + data_span->size();
        bool one_byte_page = false;
        for (auto [page, count] : bytes_per_page)
            one_byte_page |= count == 1 && page >= start / images::kRofsPageSize && page <= (end - 1) / images::kRofsPageSize;
        if (one_byte_page && !opened->file_range(*opened->node(number), 0, UINT64_MAX).is_error())
            __builtin_trap(); // a damaged page passed its checksum
    }
    return 0;
}
