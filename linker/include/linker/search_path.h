// Library search paths as ld.so reads them (ld.so(8), "Dynamic string tokens"; glibc
// elf/dl-load.c): DT_RUNPATH, DT_RPATH and LD_LIBRARY_PATH are colon-separated lists of
// directories in which $ORIGIN (the directory of the object that names the path), $LIB
// and $PLATFORM (also written ${NAME}) are replaced. The CLI packs a library where these
// rules find it (tools/closure.cpp), and the kernel's loader looks it up the same way.
#pragma once

#include <lib/result.h>

#include <span>
#include <string_view>

namespace linker {

/// Expands one entry of a search path for an object whose directory is `origin` (an
/// absolute path) into `out`, as an absolute path without "." or ".." components or
/// repeated slashes; a relative entry is taken from "/". Returns the path, a view of
/// `out`. Errors: EINVAL for an empty entry or an unknown $TOKEN (ld.so skips those),
/// ENAMETOOLONG if the result does not fit `out`.
lib::Result<std::string_view> expand_search_entry(std::string_view entry, std::string_view origin, std::span<char> out);

/// The directory part of `path` ("/" for "/x", "." for "x"), as ld.so takes $ORIGIN.
std::string_view directory_of(std::string_view path);

/// Calls `visit(directory)` with each entry of the colon-separated `list` that expands
/// (see expand_search_entry); stops early and returns true when `visit` returns true.
template<typename Visit> bool for_each_search_directory(std::string_view list, std::string_view origin, Visit&& visit)
{
    char buffer[256];
    while (!list.empty()) {
        size_t colon = list.find(':');
        std::string_view entry = list.substr(0, colon);
        list = colon == std::string_view::npos ? std::string_view() : list.substr(colon + 1);
        auto directory = expand_search_entry(entry, origin, buffer);
        if (!directory.is_error() && visit(directory.value()))
            return true;
    }
    return false;
}

} // namespace linker
