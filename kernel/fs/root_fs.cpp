#include <kernel/fs/device_files.h>
#include <kernel/fs/node_file.h>
#include <kernel/fs/proc_fs.h>
#include <kernel/fs/root_fs.h>
#include <kernel/process/process.h>
#include <kernel/syscall/wall_clock.h>
#include <mm/memory.h>

#include <new>
#include <utility>

namespace fs {

namespace {

/// The root. Constructed by mount_root with placement new: kernel code has no static
/// constructors. Written once at boot, then only read (the tree is guarded by the big kernel
/// lock, vfs/tree.h).
struct RootState {
    images::RofsImage image;
    vfs::Tree* tree = nullptr;
};
alignas(RootState) unsigned char g_root_storage[sizeof(RootState)];
RootState* g_root;

// File pages are page frames, so a mapping can point at them (node_file.cpp).
void* allocate_page_frame()
{
    auto frame = mm::alloc_frame();
    return frame.is_error() ? nullptr : mm::phys_to_virt(frame.value());
}
void release_page_frame(void* page) { mm::free_frame(mm::virt_to_phys(page)); }
constexpr vfs::Tree::PageMemory kPageFrames { allocate_page_frame, release_page_frame };

vfs::Timestamp now()
{
    int64_t ns = sys::realtime_ns();
    return { ns / 1'000'000'000, ns % 1'000'000'000 };
}

/// A directory the system needs, made if the image lacks it (an image directory stays).
lib::Result<lib::RefPtr<vfs::Node>> ensure_directory(vfs::Node& parent, std::string_view name, uint32_t mode)
{
    auto found = g_root->tree->lookup(parent, name);
    if (!found.is_error())
        return found;
    return g_root->tree->create(parent, name, vfs::NodeType::Directory, mode);
}

lib::Result<void> make_system_directories()
{
    vfs::Tree& tree = *g_root->tree;
    TRY(ensure_directory(tree.root(), "tmp", 01777));
    tree.mark_foreign(*TRY(ensure_directory(tree.root(), "proc", 0555)), "/proc");
    tree.mark_foreign(*TRY(ensure_directory(tree.root(), "sys", 0555)), "/sys");
    auto dev = TRY(ensure_directory(tree.root(), "dev", 0755));
    TRY(ensure_directory(*dev, "shm", 01777));
    return populate_devices(tree, *dev);
}

} // namespace

lib::Result<void> mount_root(std::span<const std::byte> image, uint64_t tmpfs_bytes, RootMode mode)
{
    auto opened = TRY(images::RofsImage::open(image));
    g_root = new (g_root_storage) RootState { opened, nullptr };
    // The pages that passed their checksum, one bit each, for the life of the VM (frames:
    // malloc may not be usable yet, see below). Without the memory every read checks again.
    uint64_t bitmap_bytes = (uint64_t(opened.data_page_count()) + 63) / 64 * 8;
    if (bitmap_bytes) {
        auto frames = mm::alloc_contiguous_frames((bitmap_bytes + mm::kPageSize - 1) / mm::kPageSize);
        if (!frames.is_error())
            g_root->image.remember_checked_pages(static_cast<uint64_t*>(mm::phys_to_virt(frames.value())));
    }
    // The allocator's first use may look up paths (mimalloc reads /sys): until the tree
    // exists, every path is ENOENT (lookup_at).
    g_root->tree = TRY(vfs::Tree::create(&g_root->image, { .byte_limit = tmpfs_bytes, .page_memory = &kPageFrames, .clock = now }));
    TRY(make_system_directories());
    if (mode == RootMode::ReadOnly)
        g_root->tree->make_read_only();
    return {};
}

bool root_mounted() { return g_root && g_root->tree; }
const images::RofsImage& root_image() { return g_root->image; }
vfs::Tree& root_tree() { return *g_root->tree; }

lib::RefPtr<vfs::Node> working_directory()
{
    auto cwd = process::current().paths().with([](process::PathContext& paths) { return paths.cwd; });
    return cwd ? cwd : lib::RefPtr<vfs::Node>(&g_root->tree->root());
}

lib::Result<void> set_working_directory(lib::RefPtr<vfs::Node> dir)
{
    if (!dir->is_directory())
        return lib::Error(lib::Errno::NOTDIR, "chdir: not a directory");
    // The old directory's reference drops with `dir`, after the lock.
    process::current().paths().with([&](process::PathContext& paths) { std::swap(paths.cwd, dir); });
    return {};
}

unsigned umask()
{
    return process::current().paths().with([](process::PathContext& paths) { return paths.umask; });
}

unsigned set_umask(unsigned mask)
{
    return process::current().paths().with([&](process::PathContext& paths) {
        return std::exchange(paths.umask, mask & 0777);
    });
}

vfs::WalkRoots walk_roots(vfs::Node* start, lib::RefPtr<vfs::Node>& holder, vfs::ForeignPath& foreign)
{
    holder = start ? lib::RefPtr<vfs::Node>(start) : working_directory();
    return { g_root->tree->root(), *holder, &foreign };
}

lib::Error refuse_kernel_files(lib::Error error)
{
    if (error.code == lib::Errno::XDEV)
        return lib::Error(lib::Errno::ACCES, "/proc and /sys are read-only and cannot be entered");
    return error;
}

lib::Result<lib::RefPtr<vfs::Node>> lookup_at(vfs::Node* start, std::string_view path, vfs::Follow follow)
{
    if (!root_mounted())
        return lib::Error(lib::Errno::NOENT, "no root filesystem yet");
    lib::RefPtr<vfs::Node> holder;
    vfs::ForeignPath foreign;
    auto node = vfs::walk(*g_root->tree, walk_roots(start, holder, foreign), path, follow);
    if (node.is_error())
        return refuse_kernel_files(node.error());
    return node;
}

lib::Result<lib::RefPtr<vfs::Node>> create_socket_node(std::string_view path)
{
    if (!root_mounted())
        return lib::Error(lib::Errno::NOENT, "no root filesystem yet");
    lib::RefPtr<vfs::Node> holder;
    vfs::ForeignPath foreign;
    auto parent = vfs::walk_parent(*g_root->tree, walk_roots(nullptr, holder, foreign), path);
    if (parent.is_error())
        return refuse_kernel_files(parent.error());
    if (parent.value().name.empty() || parent.value().trailing_slash)
        return lib::Error(lib::Errno::NOENT, "bind: the socket's path names a directory");
    auto made = g_root->tree->create(*parent.value().dir, parent.value().name, vfs::NodeType::Socket,
        0777 & ~umask());
    if (made.is_error() && made.error().code == lib::Errno::EXIST)
        return lib::Error(lib::Errno::ADDRINUSE, "bind: the socket's path exists");
    return made;
}

lib::Result<void> stat_at(vfs::Node* start, std::string_view path, LinuxStat& st, vfs::Follow follow)
{
    if (!root_mounted())
        return lib::Error(lib::Errno::NOENT, "no root filesystem yet");
    lib::RefPtr<vfs::Node> holder;
    vfs::ForeignPath foreign;
    auto node = vfs::walk(*g_root->tree, walk_roots(start, holder, foreign), path, follow);
    if (node.is_error() && node.error().code == lib::Errno::XDEV)
        return stat_kernel_file(foreign.view(), st, follow == vfs::Follow::Yes);
    fill_stat(*TRY(static_cast<lib::Result<lib::RefPtr<vfs::Node>>&&>(node)), st);
    return {};
}

} // namespace fs
