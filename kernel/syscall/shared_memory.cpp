// System V shared memory: shmget, shmat, shmdt, shmctl (svipc(7), shmget(2)). A segment is
// an unnamed tmpfs file, as in Linux's shmem; shmat maps it MAP_SHARED, so every
// attachment sees the same pages, and the pages count against the root's tmpfs limit.
// The table is the process's (one process: the keys name segments within the VM), guarded
// by the big kernel lock like the rest of the system-call state.
//
// Partial: permissions are recorded and reported but not checked (the program is the only
// user); IPC_INFO, SHM_INFO and SHM_STAT (what ipcs(1) reads) are EINVAL.
#include <kernel/fs/node_file.h>
#include <kernel/fs/root_fs.h>
#include <kernel/syscall/syscall.h>
#include <kernel/syscall/syscall_util.h>
#include <kernel/core/wall_clock.h>
#include <mm/address_space.h>
#include <mm/memory.h>

#include <fmt/format.h>

#include <cstring>
#include <new>

namespace sys {

namespace {

// Linux's limits (ipc/shm.c defaults) and flags (linux/ipc.h, linux/shm.h).
constexpr size_t kMaxSegments = 4096; // SHMMNI
constexpr size_t kMaxSegmentBytes = size_t(1) << 46;
constexpr int kIpcPrivate = 0, kIpcCreat = 01000, kIpcExcl = 02000;
constexpr int kIpcRmid = 0, kIpcSet = 1, kIpcStat = 2, kShmLock = 11, kShmUnlock = 12, kIpc64 = 0x100;
constexpr int kShmRdonly = 010000, kShmRnd = 020000, kShmRemap = 040000, kShmExec = 0100000;

// struct shmid64_ds on x86-64 (asm-generic/shmbuf.h, ipcbuf.h): glibc's struct shmid_ds.
struct ShmidDs {
    int32_t key;
    uint32_t uid, gid, cuid, cgid, mode;
    uint16_t seq, pad;
    uint64_t unused1, unused2;
    uint64_t segment_size;
    int64_t attach_time, detach_time, change_time;
    int32_t creator_pid, last_pid;
    uint64_t attachments;
    uint64_t unused4, unused5;
};
static_assert(sizeof(ShmidDs) == 112);

struct Segment {
    fs::File* file = nullptr; // null: the slot is free
    int32_t key = 0;
    uint16_t sequence = 0; // bumped when the slot is reused: a stale id is EINVAL
    bool removed = false;  // IPC_RMID: goes with its last detach
    uint32_t mode = 0;
    uint32_t uid = 0, gid = 0;
    size_t size = 0;
    uint64_t attachments = 0;
    int64_t attach_time = 0, detach_time = 0, change_time = 0;
    int32_t last_pid = 0;
};

struct Attachment {
    uintptr_t address;
    size_t length;
    size_t slot;
    Attachment* next;
};

struct SharedMemory {
    Segment segments[kMaxSegments];
    Attachment* attachments = nullptr;
};

SharedMemory& shared_memory()
{
    static SharedMemory state;
    return state;
}

int64_t now_seconds() { return core::realtime_ns() / 1'000'000'000; }

int id_of(size_t slot, const Segment& segment) { return int(segment.sequence) * int(kMaxSegments) + int(slot); }

lib::Result<size_t> slot_of(int id)
{
    if (id < 0)
        return lib::Error(lib::Errno::INVAL, "no such shared memory segment");
    size_t slot = size_t(id) % kMaxSegments;
    const Segment& segment = shared_memory().segments[slot];
    if (!segment.file || id_of(slot, segment) != id)
        return lib::Error(lib::Errno::INVAL, "no such shared memory segment");
    return slot;
}

void destroy(Segment& segment)
{
    segment.file->unref();
    uint16_t sequence = uint16_t(segment.sequence + 1);
    segment = {};
    segment.sequence = sequence % 0x7fff; // ids stay positive ints
}

lib::Result<int> create(int32_t key, size_t size, int flags)
{
    if (size < 1 || size > kMaxSegmentBytes)
        return lib::Error(lib::Errno::INVAL, "shmget: size out of range");
    SharedMemory& state = shared_memory();
    size_t slot = 0;
    while (slot < kMaxSegments && state.segments[slot].file)
        ++slot;
    if (slot == kMaxSegments)
        return lib::Error(lib::Errno::NOSPC, "shmget: SHMMNI segments exist");
    auto node = TRY(fs::root_tree().create_unnamed(uint32_t(flags) & 0777));
    char name[32];
    auto shown = fmt::format_to_n(name, sizeof(name), "/SYSV{:08x} (deleted)", uint32_t(key));
    fs::File* file = new (std::nothrow) fs::NodeFile(node, std::string_view(name, shown.size));
    if (!file)
        return lib::Errno::NOMEM;
    file->set_open_flags(fs::kOpenReadWrite);
    if (auto sized = file->truncate(size); sized.is_error()) {
        file->unref();
        return sized.error();
    }
    Segment& segment = state.segments[slot];
    uint16_t sequence = segment.sequence;
    segment = { file, key, sequence, false, uint32_t(flags) & 0777, uint32_t(getid(IdKind::EffectiveUser).value()),
        uint32_t(getid(IdKind::EffectiveGroup).value()), size, 0, 0, 0, now_seconds(), 0 };
    return id_of(slot, segment);
}

} // namespace

SysResult shmget(int32_t key, size_t size, int flags)
{
    SharedMemory& state = shared_memory();
    if (key != kIpcPrivate) {
        for (size_t slot = 0; slot < kMaxSegments; ++slot) {
            Segment& segment = state.segments[slot];
            if (!segment.file || segment.removed || segment.key != key)
                continue;
            if ((flags & kIpcCreat) && (flags & kIpcExcl))
                return lib::Error(lib::Errno::EXIST, "shmget: the key exists (IPC_EXCL)");
            if (size > segment.size)
                return lib::Error(lib::Errno::INVAL, "shmget: the segment is smaller than asked");
            return id_of(slot, segment);
        }
        if (!(flags & kIpcCreat))
            return lib::Error(lib::Errno::NOENT, "shmget: no segment has this key");
    }
    return long(TRY(create(key, size, flags)));
}

SysResult shmat(int id, uintptr_t address, int flags)
{
    size_t slot = TRY(slot_of(id));
    Segment& segment = shared_memory().segments[slot];
    if (address && (flags & kShmRnd))
        address &= ~(mm::kPageSize - 1); // SHMLBA is the page size on x86-64
    if (address % mm::kPageSize)
        return lib::Error(lib::Errno::INVAL, "shmat: address not page aligned (no SHM_RND)");
    if ((flags & kShmRemap) && !address)
        return lib::Error(lib::Errno::INVAL, "shmat: SHM_REMAP needs an address");
    auto* attachment = new (std::nothrow) Attachment {};
    if (!attachment)
        return lib::Errno::NOMEM;
    mm::MapRequest request { .hint = address, .length = mm::page_round_up(segment.size) };
    request.sharing = mm::Sharing::Shared;
    request.placement = !address ? mm::Placement::Anywhere
        : (flags & kShmRemap)    ? mm::Placement::FixedReplace
                                 : mm::Placement::FixedNoReplace;
    request.prot = mm::ProtRead | (flags & kShmRdonly ? 0 : mm::ProtWrite) | (flags & kShmExec ? mm::ProtExec : 0);
    request.file = TRY(segment.file->mapping());
    auto mapped = mm::map(request, 0);
    if (mapped.is_error()) {
        delete attachment;
        if (mapped.error().code == lib::Errno::EXIST) // Linux: EINVAL over an existing mapping
            return lib::Error(lib::Errno::INVAL, "shmat: the range is in use (no SHM_REMAP)");
        return mapped.error();
    }
    *attachment = { mapped.value(), request.length, slot, shared_memory().attachments };
    shared_memory().attachments = attachment;
    ++segment.attachments;
    segment.attach_time = now_seconds();
    segment.last_pid = kProcessId;
    return long(mapped.value());
}

SysResult shmdt(uintptr_t address)
{
    SharedMemory& state = shared_memory();
    for (Attachment** link = &state.attachments; *link; link = &(*link)->next) {
        Attachment* attachment = *link;
        if (attachment->address != address)
            continue;
        *link = attachment->next;
        (void)mm::unmap(attachment->address, attachment->length);
        Segment& segment = state.segments[attachment->slot];
        delete attachment;
        --segment.attachments;
        segment.detach_time = now_seconds();
        segment.last_pid = kProcessId;
        if (segment.removed && segment.attachments == 0)
            destroy(segment);
        return 0;
    }
    return lib::Error(lib::Errno::INVAL, "shmdt: no segment is attached there");
}

SysResult shmctl(int id, int command, void* buffer)
{
    command &= ~kIpc64;
    size_t slot = TRY(slot_of(id));
    Segment& segment = shared_memory().segments[slot];
    switch (command) {
    case kIpcRmid:
        segment.removed = true;
        segment.key = kIpcPrivate; // shmget finds it no more
        segment.change_time = now_seconds();
        if (segment.attachments == 0)
            destroy(segment);
        return 0;
    case kIpcStat: {
        TRY(check_user_range(buffer, sizeof(ShmidDs), UserAccess::Write));
        ShmidDs out {};
        out.key = segment.key;
        out.uid = out.cuid = segment.uid;
        out.gid = out.cgid = segment.gid;
        out.mode = segment.mode | (segment.removed ? 01000 : 0); // SHM_DEST
        out.seq = segment.sequence;
        out.segment_size = segment.size;
        out.attach_time = segment.attach_time;
        out.detach_time = segment.detach_time;
        out.change_time = segment.change_time;
        out.creator_pid = kProcessId;
        out.last_pid = segment.last_pid;
        out.attachments = segment.attachments;
        memcpy(buffer, &out, sizeof(out));
        return 0;
    }
    case kIpcSet: {
        TRY(check_user_range(buffer, sizeof(ShmidDs)));
        ShmidDs in;
        memcpy(&in, buffer, sizeof(in));
        segment.uid = in.uid;
        segment.gid = in.gid;
        segment.mode = in.mode & 0777;
        segment.change_time = now_seconds();
        return 0;
    }
    case kShmLock:
    case kShmUnlock: return 0; // nothing is ever swapped out
    default: return lib::Error(lib::Errno::INVAL, "shmctl: unsupported command");
    }
}

} // namespace sys
