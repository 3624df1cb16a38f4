// AF_UNIX addresses (unix(7)): struct sockaddr_un as programs pass it, and the abstract
// namespace. A name is a path in the file tree (the socket's node there leads to it), an
// abstract name (sun_path starts with a zero byte; the bytes up to the address length,
// zeros included, are the name), or nothing (an unnamed socket: sun_family alone).
#pragma once

#include <net/kernel/socket.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace net {

/// Bytes before sun_path (sun_family), and sun_path's size (Linux's UNIX_PATH_MAX).
constexpr size_t kUnixFamilyBytes = 2, kUnixPathMax = 108;

struct UnixName {
    enum class Kind : uint8_t { Unnamed, Path, Abstract };
    Kind kind = Kind::Unnamed;
    uint8_t length = 0;            // bytes of `bytes` in use
    char bytes[kUnixPathMax] = {}; // a path (no terminating zero), or the abstract name

    std::string_view view() const { return { bytes, length }; }
    bool operator==(const UnixName& other) const { return kind == other.kind && view() == other.view(); }
};

/// The name `address` gives. Errors: INVAL (not AF_UNIX, shorter than sun_family, longer
/// than a sockaddr_un).
lib::Result<UnixName> unix_name_from(const SocketAddress& address);
/// The sockaddr_un getsockname reports for `name`: a path with its terminating zero, an
/// abstract name with its leading zero, sun_family alone for an unnamed socket.
void socket_address_from(const UnixName& name, SocketAddress& out);

} // namespace net
