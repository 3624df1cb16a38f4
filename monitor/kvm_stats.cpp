#include "kvm_stats.h"

#include <linux/kvm.h>

#include <cstring>

namespace monitor {

namespace {

// A descriptor as api.rst lays it out: flags (u32), exponent (s16), size (u16), offset
// (u32), bucket_size (u32), then name_size bytes of name. Read field by field: in C++ the
// header's flexible-array wrapper makes sizeof(kvm_stats_desc) 20, not the file's 16.
constexpr uint64_t kDescriptorFixedBytes = 16, kSizeAt = 6, kOffsetAt = 8;

template<typename T> T read_at(const uint8_t* at)
{
    T value;
    memcpy(&value, at, sizeof value);
    return value;
}

lib::Error bad(const char* what) { return lib::Error(lib::Errno::INVAL, what); }

bool inside(std::span<const uint8_t> file, uint64_t offset, uint64_t length)
{
    return offset <= file.size() && length <= file.size() - offset;
}

} // namespace

lib::Result<std::vector<KvmStat>> parse_kvm_stats(std::span<const uint8_t> file)
{
    kvm_stats_header header;
    if (file.size() < sizeof header)
        return bad("KVM stats: shorter than the header");
    memcpy(&header, file.data(), sizeof header);
    uint64_t descriptor_size = kDescriptorFixedBytes + uint64_t(header.name_size);
    if (header.name_size == 0 || !inside(file, header.desc_offset, descriptor_size * header.num_desc))
        return bad("KVM stats: descriptors outside the file");
    std::vector<KvmStat> stats;
    for (uint32_t i = 0; i < header.num_desc; ++i) {
        const uint8_t* at = file.data() + header.desc_offset + descriptor_size * i;
        uint16_t size = read_at<uint16_t>(at + kSizeAt);
        uint64_t value_offset = uint64_t(header.data_offset) + read_at<uint32_t>(at + kOffsetAt);
        if (!inside(file, value_offset, uint64_t(size) * sizeof(uint64_t)))
            return bad("KVM stats: a value outside the file");
        if (size != 1)
            continue; // a histogram
        const char* name = reinterpret_cast<const char*>(at + kDescriptorFixedBytes);
        stats.push_back(
            { std::string(name, strnlen(name, header.name_size)), read_at<uint64_t>(file.data() + value_offset) });
    }
    return stats;
}

} // namespace monitor
