// libFuzzer target: the ROFS reader (images/) on damaged images. The input is a list of
// edits (offset, xor byte) to a valid image, resealed or not (metadata checksum made to
// pass again), so that the structural checks, not just the checksum, stand between the
// damage and the reader. open() must refuse the image, or every later call stays in
// bounds (ASan); and when only file data was damaged, file_range must say EIO for every
// file with a page that lost exactly one byte (CRC-32C catches every such change).
#include "rofs_test_util.h" // tests/host: sample_image, reseal, touch_everything

#include <map>

using images::RofsImage;
using namespace rofs_test;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static const std::vector<std::byte> clean = sample_image();
    if (size < 1)
        return 0;
    bool resealed = data[0] & 1;
    std::vector<std::byte> image = clean;
    std::map<uint64_t, uint8_t> damage; // offset -> net xor
    for (size_t i = 1; i + 3 <= size; i += 3) {
        uint64_t offset
            = (uint64_t(data[i]) | uint64_t(data[i + 1]) << 8 | uint64_t(data[i + 2] & 0x7f) << 16) % image.size();
        uint8_t mask = data[i + 2] & 0x80 ? 0xff : uint8_t(1u << (data[i] % 8));
        image[offset] ^= std::byte { mask };
        damage[offset] ^= mask;
    }
    if (resealed)
        reseal(image);
    auto opened = RofsImage::open(image);
    if (opened.is_error())
        return 0;
    touch_everything(*opened);

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
            one_byte_page
                |= count == 1 && page >= start / images::kRofsPageSize && page <= (end - 1) / images::kRofsPageSize;
        if (one_byte_page && !opened->file_range(*opened->node(number), 0, UINT64_MAX).is_error())
            __builtin_trap(); // a damaged page passed its checksum
    }
    return 0;
}
