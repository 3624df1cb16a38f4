// Tree::rename: rename(2) and renameat2(2) with Linux's checks (fs/namei.c do_renameat2,
// vfs_rename), for one tree.
#include <vfs/tree.h>

namespace vfs {

namespace {

bool is_dot_name(std::string_view name) { return name.empty() || name == "." || name == ".."; }

} // namespace

// Takes `name` out of `dir` without touching the node's link count (it moves, or its count
// was already dropped): a whiteout stays when the image has the name.
void Tree::forget_name(Node& dir, std::string_view name, DirectoryEntry* entry)
{
    bool in_image = dir.m_image_node && !m_image->lookup_child(*dir.m_image_node, name).is_error();
    if (in_image)
        entry->node.reset();
    else
        drop_entry(dir, entry);
}

void Tree::move_directory(Node& node, Node& from_dir, Node& to_dir)
{
    if (!node.is_directory() || &from_dir == &to_dir)
        return;
    --from_dir.m_subdirectories;
    ++to_dir.m_subdirectories;
    node.m_parent = &to_dir;
}

lib::Result<void> Tree::rename(
    Node& from_dir, std::string_view from_name, Node& to_dir, std::string_view to_name, unsigned flags)
{
    if (flags & ~unsigned(RenameNoReplace | RenameExchange))
        return lib::Error(lib::Errno::INVAL, "renameat2: RENAME_WHITEOUT and unknown flags are not supported");
    if ((flags & RenameNoReplace) && (flags & RenameExchange))
        return lib::Error(lib::Errno::INVAL, "renameat2: NOREPLACE with EXCHANGE");
    if (!from_dir.is_directory() || !to_dir.is_directory())
        return lib::Error(lib::Errno::NOTDIR, "rename: not a directory");
    if (is_dot_name(from_name) || is_dot_name(to_name))
        return lib::Error(lib::Errno::BUSY, "rename of . , .. or /");
    if (from_dir.m_remote || to_dir.m_remote)
        return remote_rename(from_dir, from_name, to_dir, to_name, flags);
    if (to_dir.m_removed)
        return lib::Error(lib::Errno::NOENT, "rename into a removed directory");
    DirectoryEntry* from_entry = nullptr;
    DirectoryEntry* to_entry = nullptr;
    auto source = TRY(child(from_dir, from_name, &from_entry));
    auto target = child(to_dir, to_name, &to_entry);
    if (target.is_error() && target.error().code != lib::Errno::NOENT)
        return target.error();
    if (target.is_error() && to_name.size() > kNameMax)
        return lib::Error(lib::Errno::NAMETOOLONG, "a name is longer than 255 bytes");
    Node* replaced = target.is_error() ? nullptr : target.value().get();
    if (!source->foreign_path().empty() || source->m_remote
        || (replaced && (!replaced->foreign_path().empty() || replaced->m_remote)))
        return lib::Error(lib::Errno::BUSY, "rename of a mount point");

    TRY(check_writable(from_dir));
    if (source->is_directory() && is_ancestor(*source, &to_dir))
        return lib::Error(lib::Errno::INVAL, "rename of a directory into itself");
    if (flags & RenameExchange) {
        if (!replaced)
            return lib::Error(lib::Errno::NOENT, "RENAME_EXCHANGE: the target does not exist");
        if (replaced->is_directory() && is_ancestor(*replaced, &from_dir))
            return lib::Error(lib::Errno::INVAL, "rename of a directory into itself");
        if (replaced == source.get())
            return {};
        lib::RefPtr<Node> swapped = to_entry->node;
        to_entry->node = from_entry->node;
        from_entry->node = swapped;
        from_entry->from_image = to_entry->from_image = false;
        move_directory(*source, from_dir, to_dir);
        move_directory(*replaced, to_dir, from_dir);
    } else {
        if (replaced && (flags & RenameNoReplace)) // checked first, even for two names of one file
            return lib::Error(lib::Errno::EXIST, "RENAME_NOREPLACE: the target exists");
        if (replaced == source.get())
            return {}; // two names of one file: nothing happens (POSIX)
        if (replaced && source->is_directory() && !replaced->is_directory())
            return lib::Error(lib::Errno::NOTDIR, "rename of a directory over a non-directory");
        if (replaced && !source->is_directory() && replaced->is_directory())
            return lib::Error(lib::Errno::ISDIR, "rename of a non-directory over a directory");
        if (replaced && replaced->is_directory() && !TRY(is_empty(*replaced)))
            return lib::Error(lib::Errno::NOTEMPTY, "rename over a non-empty directory");
        TRY(add_entry(to_dir, to_name, source, false)); // may reuse a whiteout; from_entry stays valid
        if (replaced) {
            if (replaced->is_directory()) {
                replaced->m_removed = true;
                replaced->m_parent = nullptr;
                --to_dir.m_subdirectories;
            } else {
                --replaced->m_links;
            }
            replaced->m_change_time = now();
        }
        move_directory(*source, from_dir, to_dir);
        forget_name(from_dir, from_name, from_entry);
    }
    source->m_change_time = now();
    changed(from_dir);
    changed(to_dir);
    return {};
}

} // namespace vfs
