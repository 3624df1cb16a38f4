#include <kernel/fs/root_fs.h>
#include <kernel/fs/proc_files.h>
#include <kernel/fs/rofs_file.h>

#include <new>

namespace fs {

namespace {
// Constructed by mount_root with placement new: kernel code has no static constructors.
alignas(images::RofsImage) unsigned char g_root_storage[sizeof(images::RofsImage)];
images::RofsImage* g_root;
} // namespace

lib::Result<void> mount_root(std::span<const std::byte> image)
{
    auto opened = TRY(images::RofsImage::open(image));
    g_root = new (g_root_storage) images::RofsImage(opened);
    return {};
}

const images::RofsImage& root_image() { return *g_root; }

lib::Result<File*> open_path(std::string_view path, int flags)
{
    if (is_proc_path(path))
        return open_proc_file(path, flags);
    if (!g_root)
        return lib::Error(lib::Errno::NOENT, "no root filesystem");
    auto mode = (flags & kOpenNoFollow) ? images::SymlinkMode::NoFollow : images::SymlinkMode::Follow;
    auto node = g_root->lookup(path, mode);
    if (node.is_error()) {
        if (node.error().code == lib::Errno::NOENT && (flags & kOpenCreate))
            return lib::Error(lib::Errno::ROFS, "the root filesystem is read-only");
        return node.error();
    }
    if ((flags & kOpenAccessMask) != 0 || (flags & kOpenTruncate))
        return lib::Error(lib::Errno::ROFS, "the root filesystem is read-only");
    if (node->is_symlink())
        return lib::Error(lib::Errno::LOOP, "O_NOFOLLOW on a symlink");
    if ((flags & kOpenDirectory) && !node->is_directory())
        return lib::Error(lib::Errno::NOTDIR, "not a directory");
    File* file = new (std::nothrow) RofsFile(*g_root, node.value(), path);
    if (!file)
        return lib::Errno::NOMEM;
    file->set_open_flags(flags);
    return file;
}

lib::Result<void> stat_path(std::string_view path, LinuxStat& st, images::SymlinkMode mode)
{
    if (is_proc_path(path)) {
        File* file = TRY(open_proc_file(path, 0));
        auto result = file->stat(st);
        file->unref();
        return result;
    }
    if (!g_root)
        return lib::Error(lib::Errno::NOENT, "no root filesystem");
    auto node = TRY(g_root->lookup(path, mode));
    return RofsFile(*g_root, node).stat(st);
}

} // namespace fs
