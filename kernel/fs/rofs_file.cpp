#include <kernel/fs/rofs_file.h>

#include <cstring>

namespace fs {

lib::Result<size_t> RofsFile::pread(void* buffer, size_t length, uint64_t offset)
{
    if (m_node.is_directory())
        return lib::Errno::ISDIR;
    auto data = TRY(m_image.file_range(m_node, offset, length)); // each page checked once
    memcpy(buffer, data.data(), data.size());
    return data.size();
}

lib::Result<size_t> RofsFile::read(void* buffer, size_t length)
{
    size_t n = TRY(pread(buffer, length, m_position));
    m_position += n;
    return n;
}

lib::Result<uint64_t> RofsFile::seek(int64_t offset, Whence whence)
{
    m_position = TRY(seek_position(m_position, m_node.size(), offset, whence));
    return m_position;
}

lib::Result<void> RofsFile::stat(LinuxStat& st)
{
    auto info = TRY(m_image.stat(m_node));
    st = {};
    st.st_dev = 0x801;
    st.st_ino = info.ino;
    st.st_nlink = info.nlink;
    st.st_mode = info.mode;
    st.st_size = int64_t(info.size);
    st.st_blksize = info.blksize;
    st.st_blocks = int64_t(info.blocks);
    st.st_atime_sec = st.st_mtime_sec = st.st_ctime_sec = int64_t(info.mtime);
    return {};
}

} // namespace fs
