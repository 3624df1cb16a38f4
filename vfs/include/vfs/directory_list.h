// Tree::list, readdir over one directory (included by tree.h). Positions: 0 is ".", 1 is
// "..", 2 + i is the image's entry i (image directories are immutable, so these stay put),
// and past those come the tree's own entries by creation sequence. An image entry that was
// looked up is still listed at its image position (so `ls -l`, which stats while it reads,
// sees each name once); one that was removed or replaced is not. A volume's directory
// lists what its server lists, at the server's positions.
#pragma once

namespace vfs {

template<typename Emit> lib::Result<void> Tree::list(Node& dir, uint64_t position, Emit&& emit, size_t wanted)
{
    if (!dir.is_directory())
        return lib::Error(lib::Errno::NOTDIR, "readdir: not a directory");
    if (dir.m_remote) { // a volume's: the server's entries and positions
        using Function = std::remove_reference_t<Emit>;
        return remote_list(
            dir, position, wanted,
            [](void* context, const ListedEntry& entry) { return bool((*static_cast<Function*>(context))(entry)); },
            &emit);
    }
    const uint64_t own_base = 2 + image_entry_count(dir);
    if (position == 0 && !emit(ListedEntry { ".", dir.inode(), dirent_type(NodeType::Directory), 1 }))
        return {};
    if (position <= 1) {
        const Node* parent = dir.parent() ? dir.parent() : &dir;
        if (!emit(ListedEntry { "..", parent->inode(), dirent_type(NodeType::Directory), 2 }))
            return {};
        position = 2;
    }
    for (; position < own_base; ++position) {
        auto listed = TRY(image_entry(dir, size_t(position - 2)));
        if (listed && !emit(*listed))
            return {};
    }
    for (DirectoryEntry* entry = dir.m_in_order.front(); entry; entry = dir.m_in_order.next(entry)) {
        if (own_base + entry->sequence < position || !entry->node || entry->from_image)
            continue;
        ListedEntry listed { entry->name_view(), entry->node->inode(), dirent_type(entry->node->type()),
            own_base + entry->sequence + 1 };
        if (!emit(listed))
            return {};
    }
    return {};
}

} // namespace vfs
