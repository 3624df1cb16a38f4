#include <kernel/fs/epoll.h>

#include <kernel/fs/readiness.h>

#include <lib/intrusive_list.h>
#include <lib/owner_of.h>

namespace fs {

namespace {

// Always reported, asked for or not (epoll_ctl(2)).
constexpr uint32_t kAlways = PollErr | PollHup;
constexpr uint32_t kEventBits = 0xffff; // EPOLLIN.. as poll's; the flags live above

class EpollFile;

// An item lives as long as its open file description (epoll(7)): not counted, it leaves
// its set when the file goes (its FileWatch), or by EPOLL_CTL_DEL. Closing one descriptor
// of a file another still holds keeps it, as on Linux.
struct Item {
    lib::ListNode node;
    FileWatch watch; // on the file's list: told when the file goes
    EpollFile* owner;
    int fd;
    File* file;
    uint32_t events; // asked for, with the flags
    uint64_t data;
    uint32_t reported_change; // the file's change count at the last EPOLLET report
    bool reported = false;    // reported since added or modified (EPOLLET, EPOLLONESHOT)
};

using ItemList = lib::IntrusiveList<Item, &Item::node>;

// The big kernel lock guards the list (every epoll call is a system call).
class EpollFile final : public File {
public:
    ~EpollFile() override
    {
        while (Item* item = m_items.pop_front()) {
            item->file->remove_watch(item->watch);
            delete item;
        }
    }

    size_t describe(char* out, size_t size) const override { return copy_name("anon_inode:[eventpoll]", out, size); }
    lib::Result<void> stat(LinuxStat& st) override
    {
        anonymous_inode_stat(st, this);
        return {};
    }

    // Readable while some item has an event to report (an epoll inside an epoll, or poll).
    uint16_t poll_events(uint16_t requested) override
    {
        EpollEvent ignored;
        return collect(&ignored, 1, false) ? requested & (PollIn | PollRdNorm) : 0;
    }

    uint32_t change_count() const override { return readiness_generation(); }
    bool is_epoll() const override { return true; }

    Item* find(int fd, const File& file)
    {
        for (Item* item = m_items.front(); item; item = m_items.next(item))
            if (item->fd == fd && item->file == &file)
                return item;
        return nullptr;
    }

    lib::Result<void> control(int op, int fd, File& target, uint32_t events, uint64_t data)
    {
        Item* item = find(fd, target);
        switch (op) {
        case kEpollAdd: {
            if (item)
                return lib::Error(lib::Errno::EXIST, "epoll: descriptor already added");
            auto* added = new Item { {}, { {}, file_gone }, this, fd, &target, events, data, target.change_count() };
            if (!added)
                return lib::Error(lib::Errno::NOMEM, "epoll: no memory for an item");
            m_items.push_back(added);
            target.add_watch(added->watch);
            break;
        }
        case kEpollMod:
            if (!item)
                return lib::Error(lib::Errno::NOENT, "epoll: descriptor not added");
            if ((events | item->events) & kEpollExclusive)
                return lib::Error(lib::Errno::INVAL, "epoll: EPOLLEXCLUSIVE cannot be modified");
            item->events = events;
            item->data = data;
            item->reported = false;
            item->reported_change = target.change_count();
            break;
        case kEpollDel:
            if (!item)
                return lib::Error(lib::Errno::NOENT, "epoll: descriptor not added");
            m_items.remove(item);
            target.remove_watch(item->watch);
            delete item;
            break;
        default: return lib::Error(lib::Errno::INVAL, "epoll: bad operation");
        }
        readiness_changed(); // a waiter in epoll_wait looks again
        return {};
    }

    // One look; `consume`: EPOLLET and EPOLLONESHOT items remember that they reported.
    size_t collect(EpollEvent* out, size_t max, bool consume)
    {
        size_t count = 0;
        for (Item* item = m_items.front(); item && count < max; item = m_items.next(item)) {
            if ((item->events & kEpollOneShot) && item->reported)
                continue;
            uint32_t holds = item->file->poll_events(uint16_t((item->events & kEventBits) | kAlways));
            if (!holds)
                continue;
            uint32_t change = item->file->change_count();
            if ((item->events & kEpollEdge) && item->reported && change == item->reported_change)
                continue; // nothing new since the last report
            out[count++] = { holds, item->data };
            if (consume) {
                item->reported = true;
                item->reported_change = change;
            }
        }
        return count;
    }

private:
    // The watched file's last reference went: the item leaves its set.
    static void file_gone(FileWatch& watch)
    {
        Item* item = &lib::owner_of<&Item::watch>(watch);
        item->owner->m_items.remove(item);
        delete item;
        readiness_changed(); // a waiter in epoll_wait looks again
    }

    ItemList m_items;
};

} // namespace

lib::Result<File*> make_epoll_file()
{
    auto* file = new EpollFile;
    if (!file)
        return lib::Error(lib::Errno::NOMEM, "no memory for an epoll instance");
    file->set_open_flags(kOpenReadWrite);
    return static_cast<File*>(file);
}

bool is_epoll(const File& file) { return file.is_epoll(); }

lib::Result<void> epoll_control(File& epoll, int op, int fd, File& target, uint32_t events, uint64_t data)
{
    if (&epoll == &target)
        return lib::Error(lib::Errno::INVAL, "epoll: an instance cannot watch itself");
    if (!target.pollable())
        return lib::Error(lib::Errno::PERM, "epoll: this file cannot be polled (a regular file?)");
    return static_cast<EpollFile&>(epoll).control(op, fd, target, events, data);
}

size_t epoll_collect(File& epoll, EpollEvent* out, size_t max)
{
    return static_cast<EpollFile&>(epoll).collect(out, max, true);
}

} // namespace fs
