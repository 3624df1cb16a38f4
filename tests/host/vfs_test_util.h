// Helpers the file tree's host tests share (vfs_tree_test.cpp, vfs_volume_test.cpp).
#pragma once

#include <vfs/path_walk.h>

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace vfs_test {

struct TreeDeleter {
    void operator()(vfs::Tree* tree) const { delete tree; }
};
using TreePtr = std::unique_ptr<vfs::Tree, TreeDeleter>;

/// `path` from the tree's root (absolute or relative).
inline lib::Result<lib::RefPtr<vfs::Node>> walk(
    vfs::Tree& tree, std::string_view path, vfs::Follow follow = vfs::Follow::Yes)
{
    return vfs::walk(tree, { tree.root(), tree.root() }, path, follow);
}

/// The errno of a failed result, 0 for a success.
inline lib::Errno error_of(const auto& result) { return result.is_error() ? result.error().code : lib::Errno(0); }

/// A regular file's whole contents.
inline std::string read_all(const vfs::Node& node)
{
    std::string text(node.size(), '\0');
    auto n = node.read(text.data(), text.size(), 0);
    EXPECT_FALSE(n.is_error());
    text.resize(n.is_error() ? 0 : n.value());
    return text;
}

} // namespace vfs_test
