// /dev: character device nodes in the root tree and the files opening them gives, found by
// device number as Linux does (Documentation/admin-guide/devices.txt): null 1:3, zero 1:5,
// full 1:7, random 1:8, urandom 1:9, tty 5:0, console 5:1. /dev/fd and /dev/std{in,out,err}
// are symlinks into /proc/self/fd (FIRST CUT: /proc/self/fd itself is not there yet).
#pragma once

#include <kernel/fs/file.h>
#include <vfs/tree.h>

namespace fs {

/// Makes the device nodes and links in `dev` (existing names are left as they are).
lib::Result<void> populate_devices(vfs::Tree& tree, vfs::Node& dev);

/// Opens character device `node`. ENXIO for a device number nobody drives.
lib::Result<File*> open_device(lib::RefPtr<vfs::Node> node, int flags);

} // namespace fs
