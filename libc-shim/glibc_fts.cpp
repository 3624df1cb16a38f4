// fts(3) with glibc's ABI (fts_open, fts_read, fts_children, fts_set, fts_close), for the
// programs and libraries that walk trees with it (libselinux's restorecon, libpmem). musl
// has no fts. Written from the manual page and glibc's observable behaviour, checked
// natively by tests/guest/programs/fts_walk.c: pre-order FTS_D and post-order FTS_DP,
// FTS_DNR after the FTS_D of an unreadable directory, FTS_DP at once for an empty or
// skipped one, cycles as FTS_DC, roots sorted by the comparison function and "." or ".."
// given as roots walked as directories, errno 0 at the end.
//
// On purpose unlike glibc: the walk never changes directory (as if FTS_NOCHDIR were always
// set), so fts_accpath is the whole path; and each entry's fts_path is its own string,
// where glibc's all point into one buffer that the next read overwrites.
#include <libc_shim/glibc_fts.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <sys/stat.h>

namespace {

using namespace glibc_fts;

constexpr uint16_t kSymFollow = 0x02; // fts_flags: a symbolic link followed by FTS_FOLLOW
constexpr size_t kMaxPath = 0xffff;   // fts_pathlen is 16 bits

using Compare = int (*)(const Entry**, const Entry**);

bool is_dot(const char* name) { return name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2])); }

struct stat& stat_of(Entry& entry) { return *static_cast<struct stat*>(entry.fts_statp); }

/// A new entry named `name`, its path `parent_path` + "/" + name (or the name alone for a
/// root), with room for its struct stat; null when out of memory or the path is too long
/// (errno says which).
Entry* make_entry(const char* name, size_t name_length, const Entry* parent_dir)
{
    size_t parent_length = parent_dir ? parent_dir->fts_pathlen : 0;
    bool slash = parent_dir && parent_length && parent_dir->fts_path[parent_length - 1] != '/';
    size_t path_length = parent_length + slash + name_length;
    if (path_length >= kMaxPath) {
        errno = ENAMETOOLONG;
        return nullptr;
    }
    size_t path_at = offsetof(Entry, fts_name) + name_length + 1;
    size_t stat_at = (path_at + path_length + 1 + 15) & ~size_t(15);
    auto* bytes = static_cast<char*>(calloc(1, stat_at + sizeof(struct stat)));
    if (!bytes)
        return nullptr;
    auto* entry = reinterpret_cast<Entry*>(bytes);
    memcpy(entry->fts_name, name, name_length);
    entry->fts_namelen = uint16_t(name_length);
    entry->fts_path = bytes + path_at;
    if (parent_dir)
        memcpy(entry->fts_path, parent_dir->fts_path, parent_length);
    if (slash)
        entry->fts_path[parent_length] = '/';
    memcpy(entry->fts_path + parent_length + slash, name, name_length);
    entry->fts_pathlen = uint16_t(path_length);
    entry->fts_accpath = entry->fts_path;
    entry->fts_statp = bytes + stat_at;
    entry->fts_instr = kNoInstr;
    return entry;
}

void free_list(Entry* head)
{
    while (head) {
        Entry* next = head->fts_link;
        free(head);
        head = next;
    }
}

/// fts_info for `entry` from stat (following a link when `follow` or FTS_LOGICAL) or lstat;
/// on failure FTS_NS with fts_errno, or FTS_SLNONE for a link to nothing.
uint16_t stat_entry(const Fts& walk, Entry& entry, bool follow)
{
    struct stat& st = stat_of(entry);
    entry.fts_errno = 0;
    if (follow || (walk.fts_options & kLogical)) {
        if (stat(entry.fts_accpath, &st) != 0) {
            int error = errno;
            if (error == ENOENT && lstat(entry.fts_accpath, &st) == 0)
                return kSLNone;
            entry.fts_errno = error;
            memset(&st, 0, sizeof st);
            return kNS;
        }
    } else if (lstat(entry.fts_accpath, &st) != 0) {
        entry.fts_errno = errno;
        memset(&st, 0, sizeof st);
        return kNS;
    }
    if (S_ISDIR(st.st_mode)) {
        entry.fts_dev = st.st_dev, entry.fts_ino = st.st_ino, entry.fts_nlink = st.st_nlink;
        if (is_dot(entry.fts_name))
            return kDot;
        for (Entry* up = entry.fts_parent; up && up->fts_level >= kRootLevel; up = up->fts_parent) {
            if (up->fts_dev == st.st_dev && up->fts_ino == st.st_ino) {
                entry.fts_cycle = up;
                return kDC;
            }
        }
        return kD;
    }
    if (S_ISLNK(st.st_mode))
        return kSL;
    return S_ISREG(st.st_mode) ? kF : kDefault;
}

/// Sorts a list of `count` entries with the walk's comparison function, as glibc does:
/// qsort over an array of entry pointers, which is what the function is given.
Entry* sort_list(const Fts& walk, Entry* head, size_t count)
{
    auto** array = static_cast<Entry**>(malloc(count * sizeof(Entry*)));
    if (!array)
        return head; // unsorted rather than lost
    size_t i = 0;
    for (Entry* e = head; e; e = e->fts_link)
        array[i++] = e;
    qsort(array, count, sizeof(Entry*), walk.fts_compar);
    for (i = 0; i + 1 < count; ++i)
        array[i]->fts_link = array[i + 1];
    array[count - 1]->fts_link = nullptr;
    head = array[0];
    free(array);
    return head;
}

enum class Listing { ForRead, Children, NamesOnly };

/// The entries of directory `dir` (sorted when the walk has a comparison function), or
/// null when it has none or cannot be read. For a read, `dir` then says which: FTS_DP for
/// an empty directory, FTS_DNR with fts_errno for one that cannot be opened. Out of memory
/// stops the walk (FTS_STOP).
Entry* list_directory(Fts& walk, Entry& dir, Listing listing)
{
    DIR* stream = opendir(dir.fts_accpath);
    if (!stream) {
        if (listing == Listing::ForRead)
            dir.fts_info = kDNR, dir.fts_errno = errno;
        return nullptr;
    }
    // With FTS_NOSTAT and FTS_PHYSICAL, as glibc: entries known by their type not to be
    // directories, and every entry once the link count says all subdirectories were seen,
    // are FTS_NSOK, not stat'ed.
    bool no_stat = (walk.fts_options & kNoStat) && (walk.fts_options & kPhysical);
    long links_left = listing == Listing::NamesOnly ? 0
        : no_stat                                   ? long(dir.fts_nlink) - ((walk.fts_options & kSeeDot) ? 0 : 2)
                                                    : -1;
    Entry* head = nullptr;
    Entry** tail = &head;
    size_t count = 0;
    while (dirent* d = readdir(stream)) {
        if (!(walk.fts_options & kSeeDot) && is_dot(d->d_name))
            continue;
        Entry* entry = make_entry(d->d_name, strlen(d->d_name), &dir);
        if (!entry) {
            int error = errno;
            free_list(head);
            closedir(stream);
            walk.fts_options |= kStop;
            errno = error;
            return nullptr;
        }
        entry->fts_level = int16_t(dir.fts_level + 1);
        entry->fts_parent = &dir;
        if (links_left == 0 || (no_stat && d->d_type != DT_DIR && d->d_type != DT_UNKNOWN)) {
            entry->fts_info = kNSOK;
        } else {
            entry->fts_info = stat_entry(walk, *entry, false);
            if (links_left > 0 && (entry->fts_info == kD || entry->fts_info == kDC || entry->fts_info == kDot))
                --links_left;
        }
        *tail = entry;
        tail = &entry->fts_link;
        ++count;
    }
    closedir(stream);
    if (!count) {
        if (listing == Listing::ForRead)
            dir.fts_info = kDP;
        return nullptr;
    }
    return walk.fts_compar && count > 1 ? sort_list(walk, head, count) : head;
}

Entry* make_current(Fts& walk, Entry* entry)
{
    walk.fts_cur = entry;
    walk.fts_path = entry->fts_path;
    walk.fts_pathlen = entry->fts_pathlen;
    return entry;
}

/// After `done` was returned: the next entry of its directory (or the next root), else
/// its directory again, in post-order (FTS_DP, or FTS_ERR if reading it failed), else
/// null at the end of the walk (errno 0). Entries passed are freed.
Entry* move_on(Fts& walk, Entry* done)
{
    for (;;) {
        Entry* next = done->fts_link;
        if (!next)
            break;
        free(done);
        if (next->fts_level == kRootLevel) {
            walk.fts_dev = next->fts_dev;
            return make_current(walk, next);
        }
        if (next->fts_instr == kSkip) {
            done = next;
            continue;
        }
        if (next->fts_instr == kFollow) {
            next->fts_info = stat_entry(walk, *next, true);
            if (next->fts_info == kD)
                next->fts_flags |= kSymFollow;
            next->fts_instr = kNoInstr;
        }
        return make_current(walk, next);
    }
    Entry* dir = done->fts_parent;
    free(done);
    if (dir->fts_level == kRootParentLevel) {
        free(dir);
        walk.fts_cur = nullptr;
        errno = 0; // the end, not an error
        return nullptr;
    }
    dir->fts_info = dir->fts_errno ? kErr : kDP;
    return make_current(walk, dir);
}

} // namespace

extern "C" {

Fts* fts_open(char* const* paths, int options, Compare compare)
{
    if (options & ~kOptionMask) {
        errno = EINVAL;
        return nullptr;
    }
    auto* walk = static_cast<Fts*>(calloc(1, sizeof(Fts)));
    Entry* root_parent = make_entry("", 0, nullptr);
    Entry* start = make_entry("", 0, nullptr);
    if (!walk || !root_parent || !start) {
        free(walk), free(root_parent), free(start);
        errno = ENOMEM;
        return nullptr;
    }
    walk->fts_options = (options & kLogical) ? options | kNoChdir : options;
    walk->fts_compar = reinterpret_cast<int (*)(const void*, const void*)>(compare);
    walk->fts_rfd = -1;
    root_parent->fts_level = kRootParentLevel;
    Entry* roots = nullptr;
    Entry** tail = &roots;
    size_t count = 0;
    for (; paths && *paths; ++paths) {
        size_t length = strlen(*paths);
        Entry* root = length ? make_entry(*paths, length, nullptr) : nullptr;
        if (!root) {
            int error = length ? errno : ENOENT; // glibc refuses an empty path
            free_list(roots), free(root_parent), free(start), free(walk);
            errno = error;
            return nullptr;
        }
        root->fts_level = kRootLevel;
        root->fts_parent = root_parent;
        root->fts_info = stat_entry(*walk, *root, options & kComFollow);
        if (root->fts_info == kDot)
            root->fts_info = kD; // "." and ".." given as roots are directories to walk
        *tail = root;
        tail = &root->fts_link;
        ++count;
    }
    if (compare && count > 1)
        roots = sort_list(*walk, roots, count);
    start->fts_link = roots;
    start->fts_parent = root_parent; // so that fts_close finds it before any read
    start->fts_info = kInit;
    make_current(*walk, start);
    return walk;
}

Entry* fts_read(Fts* walk)
{
    Entry* p = walk->fts_cur;
    if (!p || (walk->fts_options & kStop))
        return nullptr;
    uint16_t instr = p->fts_instr;
    p->fts_instr = kNoInstr;
    if (instr == kAgain) {
        p->fts_info = stat_entry(*walk, *p, false);
        return p;
    }
    if (instr == kFollow && (p->fts_info == kSL || p->fts_info == kSLNone)) {
        p->fts_info = stat_entry(*walk, *p, true);
        if (p->fts_info == kD)
            p->fts_flags |= kSymFollow;
        return p;
    }
    if (p->fts_info != kD)
        return move_on(*walk, p);
    if (instr == kSkip || ((walk->fts_options & kXdev) && p->fts_dev != walk->fts_dev)) {
        free_list(walk->fts_child);
        walk->fts_child = nullptr;
        p->fts_info = kDP; // not entered: its post-order visit at once
        return p;
    }
    if (walk->fts_child && (walk->fts_options & kNameOnly)) { // names only were listed: list again
        walk->fts_options &= ~kNameOnly;
        free_list(walk->fts_child);
        walk->fts_child = nullptr;
    }
    Entry* children = walk->fts_child;
    walk->fts_child = nullptr;
    if (!children)
        children = list_directory(*walk, *p, Listing::ForRead);
    if (!children)
        return (walk->fts_options & kStop) ? nullptr : p; // now FTS_DP (empty) or FTS_DNR
    return make_current(*walk, children);
}

Entry* fts_children(Fts* walk, int instr)
{
    if (instr != 0 && instr != kNameOnly) {
        errno = EINVAL;
        return nullptr;
    }
    Entry* p = walk->fts_cur;
    errno = 0;
    if (!p || (walk->fts_options & kStop))
        return nullptr;
    if (p->fts_info == kInit)
        return p->fts_link;
    if (p->fts_info != kD)
        return nullptr;
    free_list(walk->fts_child);
    if (instr == kNameOnly)
        walk->fts_options |= kNameOnly;
    else
        walk->fts_options &= ~kNameOnly;
    walk->fts_child = list_directory(*walk, *p, instr == kNameOnly ? Listing::NamesOnly : Listing::Children);
    return walk->fts_child;
}

int fts_set(Fts*, Entry* entry, int instr)
{
    if (instr != 0 && instr != kAgain && instr != kFollow && instr != kNoInstr && instr != kSkip) {
        errno = EINVAL;
        return 1;
    }
    entry->fts_instr = uint16_t(instr);
    return 0;
}

int fts_close(Fts* walk)
{
    // What is left: from the current entry, its later siblings, then up through each
    // directory and its later siblings, to the roots' parent.
    Entry* p = walk->fts_cur;
    while (p && p->fts_level >= kRootLevel) {
        Entry* done = p;
        p = p->fts_link ? p->fts_link : p->fts_parent;
        free(done);
    }
    free(p);
    free_list(walk->fts_child);
    free(walk);
    return 0;
}

} // extern "C"
