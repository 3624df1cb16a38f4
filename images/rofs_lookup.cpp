// Path resolution (POSIX.1-2017 §4.13 "Pathname Resolution", with Linux's limits): a
// stack of path pieces still to walk, one piece pushed per symlink followed, so no
// allocation and no recursion.
#include <images/rofs_reader.h>

namespace images {
namespace {

using lib::Errno;
using lib::Error;

constexpr bool only_slashes(std::string_view text) { return text.find_first_not_of('/') == std::string_view::npos; }

class PathWalk {
public:
    explicit PathWalk(std::string_view path) { m_pieces[m_depth++] = path; }

    /// Next component (never empty) or an empty view when the walk is complete.
    std::string_view next()
    {
        while (m_depth > 0) {
            std::string_view& rest = m_pieces[m_depth - 1];
            size_t start = rest.find_first_not_of('/');
            if (start == std::string_view::npos) {
                --m_depth;
                continue;
            }
            rest.remove_prefix(start);
            std::string_view name = rest.substr(0, rest.find('/'));
            rest.remove_prefix(name.size());
            return name;
        }
        return {};
    }

    /// Whether no component remains after the one just returned by next().
    bool at_last() const
    {
        for (size_t i = 0; i < m_depth; ++i) {
            if (!only_slashes(m_pieces[i]))
                return false;
        }
        return true;
    }

    /// Whether a '/' follows the last component (it must then name a directory).
    bool trailing_slash() const
    {
        for (size_t i = 0; i < m_depth; ++i) {
            if (!m_pieces[i].empty())
                return true;
        }
        return false;
    }

    /// Continues the walk through a symlink's target before the rest of the path.
    lib::Result<void> push(std::string_view target)
    {
        if (++m_symlinks > kRofsMaxSymlinks)
            return Error(Errno::LOOP, "ROFS: too many levels of symbolic links");
        m_pieces[m_depth++] = target;
        return {};
    }

private:
    // Every push follows a symlink, so kRofsMaxSymlinks pushes at most over the path.
    std::string_view m_pieces[kRofsMaxSymlinks + 1];
    size_t m_depth = 0;
    uint32_t m_symlinks = 0;
};

} // namespace

lib::Result<RofsNode> RofsImage::lookup(std::string_view path, SymlinkMode mode) const
{
    return lookup_at(root(), path, mode);
}

lib::Result<RofsNode> RofsImage::lookup_at(const RofsNode& base, std::string_view path, SymlinkMode mode) const
{
    if (path.empty())
        return Error(Errno::NOENT, "ROFS: empty path");
    if (path.size() > kRofsMaxPath)
        return Error(Errno::NAMETOOLONG, "ROFS: path too long");
    RofsNode current = path.front() == '/' ? root() : TRY(checked(base));
    if (!current.is_directory())
        return Error(Errno::NOTDIR, "ROFS: not a directory");
    PathWalk walk(path);
    for (std::string_view name = walk.next(); !name.empty(); name = walk.next()) {
        if (name == ".")
            continue;
        if (name == "..") {
            current = TRY(parent(current));
            continue;
        }
        RofsNode next = TRY(lookup_child(current, name));
        bool must_be_directory = !walk.at_last() || walk.trailing_slash();
        if (next.is_symlink() && (must_be_directory || mode == SymlinkMode::Follow)) {
            std::string_view target = TRY(read_link(next));
            TRY(walk.push(target));
            if (target.front() == '/')
                current = root();
            continue;
        }
        if (must_be_directory && !next.is_directory())
            return Error(Errno::NOTDIR, "ROFS: not a directory");
        current = next;
    }
    return current;
}

} // namespace images
