// Linux error numbers as a typed enum. The values are the x86-64 Linux ABI values, so an
// Errno crosses into the application's world (libc-shim) with a plain cast.
#pragma once

namespace lib {

enum class Errno : int {
    EPERM = 1,
    ENOENT = 2,
    ESRCH = 3,
    EINTR = 4,
    EIO = 5,
    ENXIO = 6,
    E2BIG = 7,
    ENOEXEC = 8,
    EBADF = 9,
    ECHILD = 10,
    EAGAIN = 11,
    ENOMEM = 12,
    EACCES = 13,
    EFAULT = 14,
    EBUSY = 16,
    EEXIST = 17,
    ENODEV = 19,
    ENOTDIR = 20,
    EISDIR = 21,
    EINVAL = 22,
    ENFILE = 23,
    EMFILE = 24,
    ENOTTY = 25,
    EFBIG = 27,
    ENOSPC = 28,
    ESPIPE = 29,
    EROFS = 30,
    EPIPE = 32,
    ERANGE = 34,
    ENAMETOOLONG = 36,
    ENOSYS = 38,
    ENOTEMPTY = 39,
    ELOOP = 40,
    ENODATA = 61,
    EOVERFLOW = 75,
    ELIBBAD = 80,
    ENOTSUP = 95,
};

/// Short symbolic name of an error ("ENOMEM"); "E?" for a value not in the enum.
constexpr const char* errno_name(Errno e)
{
    switch (e) {
    case Errno::EPERM: return "EPERM";
    case Errno::ENOENT: return "ENOENT";
    case Errno::ESRCH: return "ESRCH";
    case Errno::EINTR: return "EINTR";
    case Errno::EIO: return "EIO";
    case Errno::ENXIO: return "ENXIO";
    case Errno::E2BIG: return "E2BIG";
    case Errno::ENOEXEC: return "ENOEXEC";
    case Errno::EBADF: return "EBADF";
    case Errno::ECHILD: return "ECHILD";
    case Errno::EAGAIN: return "EAGAIN";
    case Errno::ENOMEM: return "ENOMEM";
    case Errno::EACCES: return "EACCES";
    case Errno::EFAULT: return "EFAULT";
    case Errno::EBUSY: return "EBUSY";
    case Errno::EEXIST: return "EEXIST";
    case Errno::ENODEV: return "ENODEV";
    case Errno::ENOTDIR: return "ENOTDIR";
    case Errno::EISDIR: return "EISDIR";
    case Errno::EINVAL: return "EINVAL";
    case Errno::ENFILE: return "ENFILE";
    case Errno::EMFILE: return "EMFILE";
    case Errno::ENOTTY: return "ENOTTY";
    case Errno::EFBIG: return "EFBIG";
    case Errno::ENOSPC: return "ENOSPC";
    case Errno::ESPIPE: return "ESPIPE";
    case Errno::EROFS: return "EROFS";
    case Errno::EPIPE: return "EPIPE";
    case Errno::ERANGE: return "ERANGE";
    case Errno::ENAMETOOLONG: return "ENAMETOOLONG";
    case Errno::ENOSYS: return "ENOSYS";
    case Errno::ENOTEMPTY: return "ENOTEMPTY";
    case Errno::ELOOP: return "ELOOP";
    case Errno::ENODATA: return "ENODATA";
    case Errno::EOVERFLOW: return "EOVERFLOW";
    case Errno::ELIBBAD: return "ELIBBAD";
    case Errno::ENOTSUP: return "ENOTSUP";
    }
    return "E?";
}

} // namespace lib
