// Linux error numbers as a typed enum. The values are the x86-64 Linux ABI values, so an
// Errno crosses into the application's world (libc-shim) with a plain cast. Enumerators are
// the errno names without the leading E (Errno::NOMEM is ENOMEM), so they never collide
// with the <errno.h> macros.
#pragma once

namespace lib {

enum class Errno : int {
    PERM = 1,
    NOENT = 2,
    SRCH = 3,
    INTR = 4,
    IO = 5,
    NXIO = 6,
    TOOBIG = 7, // E2BIG
    NOEXEC = 8,
    BADF = 9,
    CHILD = 10,
    AGAIN = 11,
    NOMEM = 12,
    ACCES = 13,
    FAULT = 14,
    BUSY = 16,
    EXIST = 17,
    XDEV = 18,
    NODEV = 19,
    NOTDIR = 20,
    ISDIR = 21,
    INVAL = 22,
    NFILE = 23,
    MFILE = 24,
    NOTTY = 25,
    FBIG = 27,
    NOSPC = 28,
    SPIPE = 29,
    ROFS = 30,
    MLINK = 31,
    PIPE = 32,
    DOM = 33,
    RANGE = 34,
    DEADLK = 35,
    NAMETOOLONG = 36,
    NOSYS = 38,
    NOTEMPTY = 39,
    LOOP = 40,
    NODATA = 61,
    OVERFLOW = 75,
    LIBBAD = 80,
    NOTSOCK = 88,
    DESTADDRREQ = 89,
    MSGSIZE = 90,
    PROTOTYPE = 91,
    NOPROTOOPT = 92,
    PROTONOSUPPORT = 93,
    SOCKTNOSUPPORT = 94,
    NOTSUP = 95, // also EOPNOTSUPP
    AFNOSUPPORT = 97,
    ADDRINUSE = 98,
    ADDRNOTAVAIL = 99,
    NETDOWN = 100,
    NETUNREACH = 101,
    CONNABORTED = 103,
    CONNRESET = 104,
    NOBUFS = 105,
    ISCONN = 106,
    NOTCONN = 107,
    TIMEDOUT = 110,
    CONNREFUSED = 111,
    HOSTUNREACH = 113,
    ALREADY = 114,
    INPROGRESS = 115,
};

/// Short symbolic name of an error ("ENOMEM"); "E?" for a value not in the enum.
constexpr const char* errno_name(Errno e)
{
    switch (e) {
    case Errno::PERM: return "EPERM";
    case Errno::NOENT: return "ENOENT";
    case Errno::SRCH: return "ESRCH";
    case Errno::INTR: return "EINTR";
    case Errno::IO: return "EIO";
    case Errno::NXIO: return "ENXIO";
    case Errno::TOOBIG: return "E2BIG";
    case Errno::NOEXEC: return "ENOEXEC";
    case Errno::BADF: return "EBADF";
    case Errno::CHILD: return "ECHILD";
    case Errno::AGAIN: return "EAGAIN";
    case Errno::NOMEM: return "ENOMEM";
    case Errno::ACCES: return "EACCES";
    case Errno::FAULT: return "EFAULT";
    case Errno::BUSY: return "EBUSY";
    case Errno::EXIST: return "EEXIST";
    case Errno::XDEV: return "EXDEV";
    case Errno::NODEV: return "ENODEV";
    case Errno::NOTDIR: return "ENOTDIR";
    case Errno::ISDIR: return "EISDIR";
    case Errno::INVAL: return "EINVAL";
    case Errno::NFILE: return "ENFILE";
    case Errno::MFILE: return "EMFILE";
    case Errno::NOTTY: return "ENOTTY";
    case Errno::FBIG: return "EFBIG";
    case Errno::NOSPC: return "ENOSPC";
    case Errno::SPIPE: return "ESPIPE";
    case Errno::ROFS: return "EROFS";
    case Errno::MLINK: return "EMLINK";
    case Errno::PIPE: return "EPIPE";
    case Errno::DOM: return "EDOM";
    case Errno::RANGE: return "ERANGE";
    case Errno::DEADLK: return "EDEADLK";
    case Errno::NAMETOOLONG: return "ENAMETOOLONG";
    case Errno::NOSYS: return "ENOSYS";
    case Errno::NOTEMPTY: return "ENOTEMPTY";
    case Errno::LOOP: return "ELOOP";
    case Errno::NODATA: return "ENODATA";
    case Errno::OVERFLOW: return "EOVERFLOW";
    case Errno::LIBBAD: return "ELIBBAD";
    case Errno::NOTSUP: return "ENOTSUP";
    case Errno::NOTSOCK: return "ENOTSOCK";
    case Errno::DESTADDRREQ: return "EDESTADDRREQ";
    case Errno::MSGSIZE: return "EMSGSIZE";
    case Errno::PROTOTYPE: return "EPROTOTYPE";
    case Errno::NOPROTOOPT: return "ENOPROTOOPT";
    case Errno::PROTONOSUPPORT: return "EPROTONOSUPPORT";
    case Errno::SOCKTNOSUPPORT: return "ESOCKTNOSUPPORT";
    case Errno::AFNOSUPPORT: return "EAFNOSUPPORT";
    case Errno::ADDRINUSE: return "EADDRINUSE";
    case Errno::ADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case Errno::NETDOWN: return "ENETDOWN";
    case Errno::NETUNREACH: return "ENETUNREACH";
    case Errno::CONNABORTED: return "ECONNABORTED";
    case Errno::CONNRESET: return "ECONNRESET";
    case Errno::NOBUFS: return "ENOBUFS";
    case Errno::ISCONN: return "EISCONN";
    case Errno::NOTCONN: return "ENOTCONN";
    case Errno::CONNREFUSED: return "ECONNREFUSED";
    case Errno::HOSTUNREACH: return "EHOSTUNREACH";
    case Errno::ALREADY: return "EALREADY";
    case Errno::INPROGRESS: return "EINPROGRESS";
    case Errno::TIMEDOUT: return "ETIMEDOUT";
    }
    return "E?";
}

} // namespace lib
