#include <vfs/tree.h>

#include <cstdlib>
#include <cstring>
#include <new>

namespace vfs {

namespace {

lib::Result<void> check_name(std::string_view name)
{
    if (name.empty())
        return lib::Error(lib::Errno::NOENT, "empty name");
    if (name.size() > kNameMax)
        return lib::Error(lib::Errno::NAMETOOLONG, "a name is longer than 255 bytes");
    return {};
}

bool is_dot_name(std::string_view name) { return name == "." || name == ".."; }

} // namespace

lib::Result<Tree*> Tree::create(const images::RofsImage* image, Options options)
{
    auto* tree = new (std::nothrow) Tree(image, options);
    if (!tree)
        return lib::Error(lib::Errno::NOMEM, "no memory for a file tree");
    // Inode numbers: the image's are its own number + 1 (as ROFS stat reports them); the
    // tree's own come after them.
    tree->m_next_inode = image ? uint64_t(image->inode_count()) + 1 : 1;
    auto root = image ? tree->node_from_image(image->root(), nullptr)
                      : tree->new_node(NodeType::Directory, 0755, tree->m_next_inode++);
    if (root.is_error()) {
        delete tree;
        return root.error();
    }
    tree->m_root = root.value().leak();
    tree->m_root->m_links = 1;
    return tree;
}

Tree::~Tree()
{
    if (m_root)
        m_root->unref();
}

lib::Result<lib::RefPtr<Node>> Tree::new_node(NodeType type, uint32_t permissions, uint64_t inode)
{
    auto* node = new (std::nothrow) Node(*this, type, inode, permissions);
    if (!node)
        return lib::Error(lib::Errno::NOMEM, "no memory for a file node");
    return lib::adopt(node);
}

// An image node brought into the tree; `parent` is a directory's parent (null for the root).
lib::Result<lib::RefPtr<Node>> Tree::node_from_image(const images::RofsNode& image_node, Node* parent)
{
    auto info = TRY(m_image->stat(image_node));
    auto node = TRY(new_node(node_type_of(image_node.type()), info.mode, info.ino));
    node->m_image_node = image_node;
    node->m_access_time = node->m_modify_time = node->m_change_time = Timestamp { int64_t(info.mtime), 0 };
    if (image_node.is_regular())
        node->m_size = info.size;
    if (image_node.is_directory()) {
        node->m_parent = parent;
        node->m_subdirectories = info.nlink - 2;
    }
    if (image_node.is_symlink()) {
        auto target = TRY(m_image->read_link(image_node));
        node->m_target = static_cast<char*>(malloc(target.size() + 1));
        if (!node->m_target)
            return lib::Error(lib::Errno::NOMEM, "no memory for a symlink target");
        memcpy(node->m_target, target.data(), target.size());
        node->m_target_length = target.size();
    }
    return node;
}

DirectoryEntry* Tree::find_entry(const Node& dir, std::string_view name, size_t* insert_at) const
{
    size_t low = 0, high = dir.m_entry_count;
    while (low < high) {
        size_t middle = (low + high) / 2;
        int order = dir.m_by_name[middle]->name_view().compare(name);
        if (order == 0)
            return dir.m_by_name[middle];
        if (order < 0)
            low = middle + 1;
        else
            high = middle;
    }
    if (insert_at)
        *insert_at = low;
    return nullptr;
}

lib::Result<DirectoryEntry*> Tree::add_entry(Node& dir, std::string_view name, lib::RefPtr<Node> node, bool from_image)
{
    size_t at = 0;
    if (DirectoryEntry* existing = find_entry(dir, name, &at)) { // a whiteout, or an image entry brought in
        existing->node = node;
        existing->from_image = from_image;
        if (!from_image) { // a new file under an old name is listed as new
            dir.m_in_order.remove(existing);
            existing->sequence = dir.m_next_sequence++;
            dir.m_in_order.push_back(existing);
        }
        return existing;
    }
    if (dir.m_entry_count == dir.m_entry_capacity) {
        size_t capacity = dir.m_entry_capacity ? 2 * dir.m_entry_capacity : 8;
        auto* grown = static_cast<DirectoryEntry**>(realloc(dir.m_by_name, capacity * sizeof(DirectoryEntry*)));
        if (!grown)
            return lib::Error(lib::Errno::NOMEM, "no memory for a directory entry");
        dir.m_by_name = grown;
        dir.m_entry_capacity = capacity;
    }
    auto* entry = new (std::nothrow) DirectoryEntry;
    if (!entry)
        return lib::Error(lib::Errno::NOMEM, "no memory for a directory entry");
    memcpy(entry->name, name.data(), name.size());
    entry->name_length = uint8_t(name.size());
    entry->node = node;
    entry->from_image = from_image;
    entry->sequence = dir.m_next_sequence++;
    memmove(dir.m_by_name + at + 1, dir.m_by_name + at, (dir.m_entry_count - at) * sizeof(DirectoryEntry*));
    dir.m_by_name[at] = entry;
    ++dir.m_entry_count;
    dir.m_in_order.push_back(entry);
    return entry;
}

// Forgets an entry entirely (the name is not in the image, so no whiteout is needed).
void Tree::drop_entry(Node& dir, DirectoryEntry* entry)
{
    size_t at = 0;
    while (dir.m_by_name[at] != entry)
        ++at;
    memmove(dir.m_by_name + at, dir.m_by_name + at + 1, (dir.m_entry_count - at - 1) * sizeof(DirectoryEntry*));
    --dir.m_entry_count;
    dir.m_in_order.remove(entry);
    delete entry;
}

lib::Result<lib::RefPtr<Node>> Tree::child(Node& dir, std::string_view name, DirectoryEntry** entry_out)
{
    if (!dir.is_directory())
        return lib::Error(lib::Errno::NOTDIR, "not a directory");
    DirectoryEntry* entry = find_entry(dir, name);
    if (!entry && dir.m_image_node) {
        auto image_node = m_image->lookup_child(*dir.m_image_node, name);
        if (!image_node.is_error()) {
            auto node = TRY(node_from_image(image_node.value(), &dir));
            node->m_links = 1;
            entry = TRY(add_entry(dir, name, node, true));
        }
    }
    if (entry_out)
        *entry_out = entry;
    if (!entry || !entry->node)
        return lib::Error(lib::Errno::NOENT, "no such file or directory");
    return entry->node;
}

lib::Result<lib::RefPtr<Node>> Tree::lookup(Node& dir, std::string_view name)
{
    if (!dir.is_directory())
        return lib::Error(lib::Errno::NOTDIR, "not a directory");
    if (name == ".")
        return lib::RefPtr<Node>(&dir);
    if (name == "..")
        return lib::RefPtr<Node>(dir.parent() ? dir.parent() : &dir);
    TRY(check_name(name));
    if (dir.m_remote)
        return remote_lookup(dir, name);
    return child(dir, name, nullptr);
}

std::string_view Tree::name_in(const Node& dir, const Node& node) const
{
    if (node.m_remote && !node.m_remote->mount_root)
        return node.m_remote->name_view();
    for (size_t i = 0; i < dir.m_entry_count; ++i)
        if (dir.m_by_name[i]->node.get() == &node)
            return dir.m_by_name[i]->name_view();
    return {};
}

void Tree::changed(Node& node) { node.m_modify_time = node.m_change_time = now(); }

lib::Result<void> Tree::check_writable(const Node& node) const
{
    if (m_read_only && (node.m_links > 0 || node.is_directory()))
        return lib::Error(lib::Errno::ROFS, "the root filesystem is read-only (--read-only)");
    return {};
}

// That `name` may be made in `dir`: ENOTDIR, EEXIST (also for "." and ".."), ENAMETOOLONG,
// ENOENT for a removed directory. In a volume's directory the server says the rest.
lib::Result<void> Tree::check_new_name(Node& dir, std::string_view name)
{
    if (!dir.is_directory())
        return lib::Error(lib::Errno::NOTDIR, "not a directory");
    if (is_dot_name(name))
        return lib::Error(lib::Errno::EXIST, "the name exists");
    TRY(check_name(name));
    if (dir.m_remote)
        return {};
    if (dir.m_removed)
        return lib::Error(lib::Errno::NOENT, "the directory was removed");
    auto existing = child(dir, name, nullptr);
    if (!existing.is_error())
        return lib::Error(lib::Errno::EXIST, "the name exists");
    if (existing.error().code != lib::Errno::NOENT)
        return existing.error();
    return check_writable(dir); // Linux: EEXIST before EROFS
}

lib::Result<lib::RefPtr<Node>> Tree::new_owned_node(Node* dir, NodeType type, uint32_t permissions)
{
    auto node = TRY(new_node(type, permissions, m_next_inode++));
    Owner owner = m_options.creator ? m_options.creator() : Owner {};
    node->m_uid = owner.uid;
    node->m_gid = owner.gid;
    if (dir && (dir->m_permissions & kModeSetGroupId)) { // Linux's (and System V's) rule
        node->m_gid = dir->m_gid;
        if (type == NodeType::Directory)
            node->m_permissions |= kModeSetGroupId;
    }
    return node;
}

lib::Result<lib::RefPtr<Node>> Tree::create(
    Node& dir, std::string_view name, NodeType type, uint32_t permissions, std::string_view target, uint32_t device)
{
    TRY(check_new_name(dir, name));
    if (dir.m_remote)
        return remote_create(dir, name, type, permissions, target);
    auto node = TRY(new_owned_node(&dir, type, permissions));
    if (type == NodeType::Symlink) {
        node->m_target = static_cast<char*>(malloc(target.size() + 1));
        if (!node->m_target)
            return lib::Error(lib::Errno::NOMEM, "no memory for a symlink target");
        memcpy(node->m_target, target.data(), target.size());
        node->m_target_length = target.size();
    }
    node->m_device = device;
    if (type == NodeType::Directory) {
        node->m_parent = &dir;
        ++dir.m_subdirectories;
    }
    node->m_links = 1;
    TRY(add_entry(dir, name, node, false));
    changed(dir);
    return node;
}

lib::Result<lib::RefPtr<Node>> Tree::create_unnamed(uint32_t permissions)
{
    return new_owned_node(nullptr, NodeType::Regular, permissions);
}

lib::Result<void> Tree::link(Node& dir, std::string_view name, Node& node)
{
    if (node.is_directory())
        return lib::Error(lib::Errno::PERM, "a directory cannot have a second name");
    TRY(check_new_name(dir, name));
    if (dir.m_remote || node.m_remote)
        return remote_link(dir, name, node);
    if (node.m_links == 0)
        return lib::Error(lib::Errno::NOENT, "the file was removed"); // Linux: no link to an unlinked file
    TRY(add_entry(dir, name, lib::RefPtr<Node>(&node), false));
    ++node.m_links;
    node.m_change_time = now();
    changed(dir);
    return {};
}

// Removes `entry` (of `name` in `dir`): a whiteout stays when the image has the name.
lib::Result<void> Tree::remove_name(Node& dir, std::string_view name, DirectoryEntry* entry)
{
    Node& node = *entry->node;
    if (node.is_directory()) {
        node.m_removed = true;
        node.m_parent = nullptr;
        --dir.m_subdirectories;
    } else {
        --node.m_links;
    }
    node.m_change_time = now();
    forget_name(dir, name, entry);
    changed(dir);
    return {};
}

lib::Result<void> Tree::unlink(Node& dir, std::string_view name)
{
    if (is_dot_name(name))
        return lib::Error(lib::Errno::ISDIR, "unlink of . or ..");
    TRY(check_name(name));
    if (dir.m_remote)
        return remote_remove(dir, name, false);
    DirectoryEntry* entry = nullptr;
    auto node = TRY(child(dir, name, &entry));
    if (node->is_directory())
        return lib::Error(lib::Errno::ISDIR, "unlink of a directory");
    TRY(check_writable(dir));
    return remove_name(dir, name, entry);
}

lib::Result<bool> Tree::is_empty(Node& dir)
{
    bool empty = true;
    TRY(list(dir, 2, [&](const ListedEntry&) { return empty = false; }));
    return empty;
}

lib::Result<void> Tree::remove_directory(Node& dir, std::string_view name)
{
    if (name == ".")
        return lib::Error(lib::Errno::INVAL, "rmdir of .");
    if (name == "..")
        return lib::Error(lib::Errno::NOTEMPTY, "rmdir of ..");
    if (name.empty())
        return lib::Error(lib::Errno::BUSY, "rmdir of the root");
    TRY(check_name(name));
    if (dir.m_remote)
        return remote_remove(dir, name, true);
    DirectoryEntry* entry = nullptr;
    auto node = TRY(child(dir, name, &entry));
    if (!node->is_directory())
        return lib::Error(lib::Errno::NOTDIR, "rmdir of a non-directory");
    if (!node->foreign_path().empty() || node->m_remote)
        return lib::Error(lib::Errno::BUSY, "rmdir of a mount point");
    if (!TRY(is_empty(*node)))
        return lib::Error(lib::Errno::NOTEMPTY, "the directory is not empty");
    TRY(check_writable(dir));
    return remove_name(dir, name, entry);
}

bool Tree::is_ancestor(const Node& ancestor, const Node* node) const
{
    for (; node; node = node->parent())
        if (node == &ancestor)
            return true;
    return false;
}

} // namespace vfs
