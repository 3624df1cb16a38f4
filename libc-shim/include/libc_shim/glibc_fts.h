// glibc's <fts.h> ABI (fts_open@GLIBC_2.2.5 and the calls with it): the two structures a
// program reads fields of, laid out as glibc 2.36 lays them out on x86-64, and the
// constants. Written with fixed-width types so a host test can check every offset against
// the host's own <fts.h> (tests/host/glibc_fts_layout_test.cpp); the kernel's fts is
// libc-shim/glibc_fts.cpp.
#pragma once

#include <cstdint>

namespace glibc_fts {

struct Entry;

/// glibc's FTS: the walk's handle.
struct Fts {
    Entry* fts_cur;    // the entry fts_read returned last
    Entry* fts_child;  // children fts_children listed, used by the next fts_read
    Entry** fts_array; // glibc's sort array (unused here: 0)
    uint64_t fts_dev;  // the device of the root being walked (FTS_XDEV)
    char* fts_path;    // glibc's shared path buffer (here: the current entry's path)
    int fts_rfd;       // glibc's descriptor of the starting directory (here -1: no chdir)
    int fts_pathlen;
    int fts_nitems;
    int (*fts_compar)(const void*, const void*);
    int fts_options;
};

/// glibc's FTSENT: one file of the walk. fts_name runs past the end (its length +1 bytes).
struct Entry {
    Entry* fts_cycle;  // FTS_DC: the ancestor this directory repeats
    Entry* fts_parent; // the directory it is in (the roots': a level -1 entry)
    Entry* fts_link;   // the next file of the same directory
    long fts_number;   // the program's own
    void* fts_pointer; // the program's own
    char* fts_accpath; // the path to open it by (here always fts_path: no chdir)
    char* fts_path;    // the path from the root as given
    int fts_errno;     // FTS_DNR, FTS_ERR, FTS_NS: why
    int fts_symfd;
    uint16_t fts_pathlen;
    uint16_t fts_namelen;
    uint64_t fts_ino;
    uint64_t fts_dev;
    uint64_t fts_nlink;
    int16_t fts_level; // the roots are 0
    uint16_t fts_info; // FTS_D, FTS_F, ...
    uint16_t fts_flags;
    uint16_t fts_instr; // what fts_set asked for
    void* fts_statp;    // struct stat (x86-64's 144-byte one)
    char fts_name[1];
};

// fts_open options.
constexpr int kComFollow = 0x0001, kLogical = 0x0002, kNoChdir = 0x0004, kNoStat = 0x0008, kPhysical = 0x0010,
              kSeeDot = 0x0020, kXdev = 0x0040, kWhiteout = 0x0080, kOptionMask = 0x00ff, kNameOnly = 0x0100,
              kStop = 0x0200;

// fts_info values.
constexpr uint16_t kD = 1, kDC = 2, kDefault = 3, kDNR = 4, kDot = 5, kDP = 6, kErr = 7, kF = 8, kInit = 9, kNS = 10,
                   kNSOK = 11, kSL = 12, kSLNone = 13, kW = 14;

// fts_set instructions.
constexpr uint16_t kAgain = 1, kFollow = 2, kNoInstr = 3, kSkip = 4;

constexpr int16_t kRootParentLevel = -1, kRootLevel = 0;

} // namespace glibc_fts
