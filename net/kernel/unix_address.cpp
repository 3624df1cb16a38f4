#include <net/kernel/unix_address.h>

#include <cstring>

namespace net {

lib::Result<UnixName> unix_name_from(const SocketAddress& address)
{
    if (address.length < kUnixFamilyBytes)
        return lib::Error(lib::Errno::INVAL, "AF_UNIX address shorter than sun_family");
    if (address.length > kUnixFamilyBytes + kUnixPathMax)
        return lib::Error(lib::Errno::INVAL, "AF_UNIX address longer than a sockaddr_un");
    uint16_t family;
    memcpy(&family, address.bytes, sizeof(family));
    if (family != kFamilyUnix)
        return lib::Error(lib::Errno::INVAL, "not an AF_UNIX address");
    UnixName name;
    auto* path = reinterpret_cast<const char*>(address.bytes + kUnixFamilyBytes);
    size_t room = address.length - kUnixFamilyBytes;
    if (room == 0)
        return name;
    if (path[0] == '\0') {
        name.kind = UnixName::Kind::Abstract;
        name.length = uint8_t(room - 1);
        memcpy(name.bytes, path + 1, name.length);
        return name;
    }
    name.kind = UnixName::Kind::Path;
    name.length = uint8_t(strnlen(path, room));
    memcpy(name.bytes, path, name.length);
    return name;
}

void socket_address_from(const UnixName& name, SocketAddress& out)
{
    out = {};
    uint16_t family = kFamilyUnix;
    memcpy(out.bytes, &family, sizeof(family));
    uint8_t* path = out.bytes + kUnixFamilyBytes;
    switch (name.kind) {
    case UnixName::Kind::Unnamed: out.length = kUnixFamilyBytes; return;
    case UnixName::Kind::Path:
        memcpy(path, name.bytes, name.length);
        out.length = uint32_t(kUnixFamilyBytes + name.length + 1); // with its zero, as Linux
        return;
    case UnixName::Kind::Abstract:
        memcpy(path + 1, name.bytes, name.length);
        out.length = uint32_t(kUnixFamilyBytes + 1 + name.length);
        return;
    }
}

} // namespace net
