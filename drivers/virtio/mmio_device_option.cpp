// Parser for virtio_mmio.device=<size>@<base>:<irq>[:<id>] (see mmio_device_option.h).
// Numbers follow Linux's memparse/simple_strtoull: 0x.. hex, 0.. octal, else decimal,
// then an optional K, M or G suffix (size and base only).
#include <virtio/mmio_device_option.h>

namespace virtio {

namespace {

constexpr uint64_t kMinWindow = 0x100, kMaxWindow = 1ull << 20;
constexpr uint64_t kMaxPhysical = 1ull << 52; // x86-64 MAXPHYADDR limit (Intel SDM vol. 3A §4.1.4)

int digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return 99;
}

/// One number at the start of `text` (consumed); suffixes when `allow_suffix`.
lib::Result<uint64_t> take_number(std::string_view& text, bool allow_suffix)
{
    unsigned base = 10;
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        base = 16;
        text.remove_prefix(2);
    } else if (text.size() > 1 && text[0] == '0') {
        base = 8;
    }
    size_t used = 0;
    uint64_t value = 0;
    for (; used < text.size() && digit_value(text[used]) < int(base); ++used) {
        uint64_t next = value * base + unsigned(digit_value(text[used]));
        if (value > (UINT64_MAX - unsigned(digit_value(text[used]))) / base)
            return lib::Error(lib::Errno::INVAL, "virtio_mmio.device: number too large");
        value = next;
    }
    if (used == 0)
        return lib::Error(lib::Errno::INVAL, "virtio_mmio.device: number expected");
    text.remove_prefix(used);
    if (allow_suffix && !text.empty()) {
        unsigned shift = text[0] == 'K' || text[0] == 'k' ? 10
            : text[0] == 'M' || text[0] == 'm'            ? 20
            : text[0] == 'G' || text[0] == 'g'            ? 30
                                                          : 0;
        if (shift) {
            if (value >> (64 - shift))
                return lib::Error(lib::Errno::INVAL, "virtio_mmio.device: number too large");
            value <<= shift;
            text.remove_prefix(1);
        }
    }
    return value;
}

lib::Result<void> expect(std::string_view& text, char c)
{
    if (text.empty() || text[0] != c)
        return lib::Error(lib::Errno::INVAL, "virtio_mmio.device: want <size>@<base>:<irq>");
    text.remove_prefix(1);
    return {};
}

} // namespace

lib::Result<MmioDeviceOption> parse_mmio_device_option(std::string_view text)
{
    MmioDeviceOption option {};
    option.size = TRY(take_number(text, true));
    TRY(expect(text, '@'));
    option.base = TRY(take_number(text, true));
    TRY(expect(text, ':'));
    uint64_t irq = TRY(take_number(text, false));
    if (!text.empty()) { // optional :<platform device id>, which only Linux uses
        TRY(expect(text, ':'));
        TRY(take_number(text, false));
        if (!text.empty())
            return lib::Error(lib::Errno::INVAL, "virtio_mmio.device: trailing characters");
    }
    if (option.size < kMinWindow || option.size > kMaxWindow)
        return lib::Error(lib::Errno::INVAL, "virtio_mmio.device: window must be 256 bytes to 1 MiB");
    if (option.base == 0 || option.base % 4 || option.base > kMaxPhysical - option.size)
        return lib::Error(lib::Errno::INVAL, "virtio_mmio.device: bad base address");
    if (irq > 255)
        return lib::Error(lib::Errno::INVAL, "virtio_mmio.device: irq above 255");
    option.irq = uint32_t(irq);
    return option;
}

} // namespace virtio
