#include <kernel/fs/device_files.h>
#include <kernel/fs/node_file.h>
#include <kernel/fs/proc_fs.h>
#include <kernel/fs/root_fs.h>
#include <kernel/fs/volume_mapping.h>
#include <kernel/console/log.h>
#include <kernel/process/process.h>
#include <kernel/core/wall_clock.h>
#include <mm/memory.h>
#include <sched/scheduler.h>

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
    ninep::Client* volumes[kMaxVolumes] = {}; // mounted for the life of the VM
    size_t volume_count = 0;
    VolumeMappings volume_mappings; // their files' mmap snapshots
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
    int64_t ns = core::realtime_ns();
    return { ns / 1'000'000'000, ns % 1'000'000'000 };
}

/// Who makes a node: the calling thread's process, by its file-system IDs (as Linux's
/// fsuid and fsgid, which follow the effective IDs unless setfsuid moved them). The
/// kernel's own service threads (the network's, writing a leased /etc/resolv.conf) work
/// as root, as dhclient does.
vfs::Tree::Owner creator()
{
    if (sched::current().kernel_service)
        return {};
    return process::current().credentials().with([](const process::Credentials& credentials) {
        return vfs::Tree::Owner { credentials.user().filesystem, credentials.group().filesystem };
    });
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

// The st_dev of volume `index`: Linux gives each 9p mount an anonymous device (major 0).
constexpr uint64_t kFirstVolumeDevice = 0x30;

/// The directory at absolute `path`, made (with its parents) where missing.
lib::Result<lib::RefPtr<vfs::Node>> ensure_path(std::string_view path)
{
    vfs::Tree& tree = *g_root->tree;
    lib::RefPtr<vfs::Node> dir(&tree.root());
    for (size_t at = 0; at < path.size();) {
        size_t end = path.find('/', at);
        end = end == std::string_view::npos ? path.size() : end;
        std::string_view name = path.substr(at, end - at);
        at = end + 1;
        if (name.empty() || name == ".")
            continue;
        if (name == "..")
            return lib::Error(lib::Errno::INVAL, "a volume's path may not contain '..'");
        dir = TRY(ensure_directory(*dir, name, 0755));
        if (!dir->is_directory())
            return lib::Error(lib::Errno::NOTDIR, "a volume's path names a file of the image");
    }
    if (dir.get() == &tree.root())
        return lib::Error(lib::Errno::BUSY, "a volume cannot be mounted on /");
    return dir;
}

lib::Result<void> mount_volume(const VolumeMount& volume)
{
    if (g_root->volume_count == kMaxVolumes)
        return lib::Error(lib::Errno::BUSY, "more than 8 volumes");
    if (!volume.path.starts_with('/'))
        return lib::Error(lib::Errno::INVAL, "a volume's path must be absolute");
    auto dir = TRY(ensure_path(volume.path));
    ninep::Client* client = TRY(ninep::Client::connect(*volume.channel, ""));
    client->set_device_number(kFirstVolumeDevice + g_root->volume_count);
    if (auto mounted = g_root->tree->mount(*dir, *client); mounted.is_error()) {
        delete client;
        return mounted.error();
    }
    g_root->volumes[g_root->volume_count++] = client;
    klog::info(klog::Subsystem::Fs, "volume {} mounted at {}", volume.tag, volume.path);
    return {};
}

} // namespace

lib::Result<void> mount_root(
    std::span<const std::byte> image, uint64_t tmpfs_bytes, std::span<const VolumeMount> volumes)
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
    g_root->tree = TRY(vfs::Tree::create(
        &g_root->image, { .byte_limit = tmpfs_bytes, .page_memory = &kPageFrames, .clock = now, .creator = creator }));
    TRY(make_system_directories());
    for (const VolumeMount& volume : volumes) {
        if (auto mounted = mount_volume(volume); mounted.is_error()) {
            klog::error(klog::Subsystem::Fs, "cannot mount volume {} at {}: {} ({})", volume.tag, volume.path,
                mounted.error().message, lib::errno_name(mounted.error().code));
            return mounted.error();
        }
    }
    return {};
}

void make_root_read_only() { g_root->tree->make_read_only(); }

bool root_mounted() { return g_root && g_root->tree; }
const images::RofsImage& root_image() { return g_root->image; }
vfs::Tree& root_tree() { return *g_root->tree; }
VolumeMappings& volume_mappings() { return g_root->volume_mappings; }

lib::Result<lib::RefPtr<vfs::Node>> system_directory(std::string_view name)
{
    return ensure_directory(g_root->tree->root(), name, 0755);
}

lib::Result<void> provide_system_file(std::string_view directory, std::string_view name, std::string_view text)
{
    vfs::Tree& tree = *g_root->tree;
    vfs::Node& dir = *TRY(system_directory(directory));
    if (!tree.lookup(dir, name).is_error())
        return {}; // the image has one
    return write_whole_file(*TRY(tree.create(dir, name, vfs::NodeType::Regular, 0644)), text);
}

lib::Result<void> write_whole_file(vfs::Node& file, std::string_view text)
{
    size_t written = TRY(g_root->tree->write(file, text.data(), text.size(), 0));
    if (written != text.size())
        return lib::Error(lib::Errno::NOSPC, "short write");
    return {};
}

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
    return process::current().paths().with(
        [&](process::PathContext& paths) { return std::exchange(paths.umask, mask & 0777); });
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
    if (node.is_error() && node.error().code == lib::Errno::XDEV && foreign.length && follow == vfs::Follow::Yes)
        return kernel_link_node(foreign.view()); // /proc/self/fd/N: the descriptor's file
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
    auto made = g_root->tree->create(*parent.value().dir, parent.value().name, vfs::NodeType::Socket, 0777 & ~umask());
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
    auto found = TRY(static_cast<lib::Result<lib::RefPtr<vfs::Node>>&&>(node));
    TRY(found->tree().refresh(*found)); // a volume's node: the lookup's attributes may be stale by now
    fill_stat(*found, st);
    return {};
}

} // namespace fs
