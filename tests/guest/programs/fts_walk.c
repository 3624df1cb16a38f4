// fts(3) walks, and the other file calls glibc has and musl lacks (renameat2, preadv2,
// pwritev2, preadv/pwritev, scandirat), compared with what glibc 2.36 does natively: the
// expected walks below are glibc's own output for the same tree (run this program on the
// host to see it agree). Prints "fts_walk: ok".
#define _GNU_SOURCE
#define TEST_NAME "fts_walk"
#include "check.h"

#include <dirent.h>
#include <fcntl.h>
#include <fts.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

static char root[64];

static int by_name(const FTSENT** a, const FTSENT** b) { return strcmp((*a)->fts_name, (*b)->fts_name); }

static const char* info_name(int info)
{
    static const char* names[]
        = { "?", "D", "DC", "DEFAULT", "DNR", "DOT", "DP", "ERR", "F", "INIT", "NS", "NSOK", "SL", "SLNONE", "W" };
    return info >= 0 && info <= 14 ? names[info] : "?";
}

// One walk as text: "INFO LEVEL PATH" per entry, the root's prefix written R, then "end
// ERRNO". `skip`: fts_set(FTS_SKIP) on the directory of that name when it is first seen.
static void walk(char* const* paths, int options, const char* skip, char* out, size_t size)
{
    size_t used = 0;
    out[0] = 0;
    FTS* fts = fts_open(paths, options, by_name);
    if (!fts) {
        snprintf(out, size, "fts_open failed: errno %d", errno);
        return;
    }
    FTSENT* e;
    while ((e = fts_read(fts))) {
        const char* path = e->fts_path;
        size_t prefix = strlen(root);
        char shown[256];
        snprintf(shown, sizeof shown, "%s%s", strncmp(path, root, prefix) == 0 ? "R" : "",
            strncmp(path, root, prefix) == 0 ? path + prefix : path);
        used += snprintf(out + used, size - used, "%s %d %s\n", info_name(e->fts_info), e->fts_level, shown);
        CHECK(strcmp(e->fts_accpath + strlen(e->fts_accpath) - e->fts_namelen, e->fts_name) == 0 || e->fts_level == 0);
        CHECK(e->fts_pathlen == strlen(e->fts_path));
        if (e->fts_info == FTS_F)
            CHECK(e->fts_statp && S_ISREG(e->fts_statp->st_mode));
        if (skip && e->fts_info == FTS_D && strcmp(e->fts_name, skip) == 0)
            CHECK(fts_set(fts, e, FTS_SKIP) == 0);
        if (used >= size)
            break;
    }
    used += snprintf(out + used, size - used, "end %d\n", errno);
    CHECK(fts_close(fts) == 0);
}

static void expect_walk(const char* what, char* const* paths, int options, const char* skip, const char* expected)
{
    char got[4096];
    walk(paths, options, skip, got, sizeof got);
    if (strcmp(got, expected) != 0) {
        printf("fts_walk: FAILED: %s walk gave:\n%s-- glibc gives:\n%s", what, got, expected);
        ++failures;
    }
}

static void make_file(const char* relative, const char* text)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", root, relative);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text) && close(fd) == 0);
}

static void make_tree(void)
{
    strcpy(root, "/tmp/fts_walkXXXXXX");
    CHECK(mkdtemp(root) != NULL);
    char path[128];
    const char* dirs[] = { "a", "a/sub", "empty" };
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", root, dirs[i]);
        CHECK(mkdir(path, 0755) == 0);
    }
    make_file("a/x", "x");
    make_file("a/y", "yy");
    make_file("a/sub/z", "z");
    make_file("f", "f");
    snprintf(path, sizeof path, "%s/link", root);
    CHECK(symlink("a", path) == 0);
    snprintf(path, sizeof path, "%s/dangling", root);
    CHECK(symlink("nowhere", path) == 0);
    snprintf(path, sizeof path, "%s/a/up", root);
    CHECK(symlink("..", path) == 0);
}

static void check_walks(void)
{
    char* roots[] = { root, NULL };
    expect_walk("physical", roots, FTS_PHYSICAL, NULL,
        "D 0 R\nD 1 R/a\nD 2 R/a/sub\nF 3 R/a/sub/z\nDP 2 R/a/sub\nSL 2 R/a/up\nF 2 R/a/x\nF 2 R/a/y\nDP 1 R/a\n"
        "SL 1 R/dangling\nD 1 R/empty\nDP 1 R/empty\nF 1 R/f\nSL 1 R/link\nDP 0 R\nend 0\n");
    expect_walk("logical", roots, FTS_LOGICAL, NULL,
        "D 0 R\nD 1 R/a\nD 2 R/a/sub\nF 3 R/a/sub/z\nDP 2 R/a/sub\nDC 2 R/a/up\nF 2 R/a/x\nF 2 R/a/y\nDP 1 R/a\n"
        "SLNONE 1 R/dangling\nD 1 R/empty\nDP 1 R/empty\nF 1 R/f\nD 1 R/link\nD 2 R/link/sub\nF 3 R/link/sub/z\n"
        "DP 2 R/link/sub\nDC 2 R/link/up\nF 2 R/link/x\nF 2 R/link/y\nDP 1 R/link\nDP 0 R\nend 0\n");
    expect_walk("skip", roots, FTS_PHYSICAL, "a",
        "D 0 R\nD 1 R/a\nDP 1 R/a\nSL 1 R/dangling\nD 1 R/empty\nDP 1 R/empty\nF 1 R/f\nSL 1 R/link\nDP 0 R\nend 0\n");
    char empty[128], file[128], missing[128];
    snprintf(empty, sizeof empty, "%s/empty", root);
    snprintf(file, sizeof file, "%s/f", root);
    snprintf(missing, sizeof missing, "%s/missing", root);
    char* dots[] = { empty, NULL };
    expect_walk("seedot", dots, FTS_PHYSICAL | FTS_SEEDOT, NULL,
        "D 0 R/empty\nDOT 1 R/empty/.\nDOT 1 R/empty/..\nDP 0 R/empty\nend 0\n");
    char* several[] = { file, missing, empty, NULL };
    expect_walk("roots", several, FTS_PHYSICAL, NULL, "D 0 R/empty\nDP 0 R/empty\nF 0 R/f\nNS 0 R/missing\nend 0\n");
    char* nameless[] = { "", NULL };
    errno = 0;
    CHECK(fts_open(nameless, FTS_PHYSICAL, NULL) == NULL && errno == ENOENT);
    errno = 0;
    CHECK(fts_open(roots, 0x1000, NULL) == NULL && errno == EINVAL);

    // fts_children after the root's first read: its entries, sorted, not yet stat'ed with
    // FTS_NAMEONLY; then the walk goes on through them.
    FTS* fts = fts_open(roots, FTS_PHYSICAL, by_name);
    CHECK(fts != NULL);
    FTSENT* top = fts_read(fts);
    CHECK(top && top->fts_info == FTS_D);
    FTSENT* child = fts_children(fts, FTS_NAMEONLY);
    const char* names[] = { "a", "dangling", "empty", "f", "link" };
    for (size_t i = 0; i < 5; i++, child = child ? child->fts_link : NULL)
        CHECK(child && strcmp(child->fts_name, names[i]) == 0 && child->fts_info == FTS_NSOK);
    CHECK(child == NULL);
    FTSENT* first = fts_read(fts);
    CHECK(first && strcmp(first->fts_name, "a") == 0 && first->fts_info == FTS_D);
    CHECK(fts_set(fts, first, 99) == 1 && errno == EINVAL);
    CHECK(fts_close(fts) == 0);
}

static void check_other_calls(void)
{
    char from[128], to[128];
    snprintf(from, sizeof from, "%s/f", root);
    snprintf(to, sizeof to, "%s/a/x", root);
    errno = 0;
    CHECK(renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == -1 && errno == EEXIST);
    CHECK(renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_EXCHANGE) == 0);

    int fd = open(from, O_RDWR);
    CHECK(fd >= 0);
    char a[2] = { 0 }, b[4] = { 0 };
    struct iovec in[2] = { { a, 1 }, { b, 3 } };
    CHECK(preadv(fd, in, 2, 0) == 1 && a[0] == 'x'); // the exchanged file holds "x"
    struct iovec out[2] = { { "he", 2 }, { "llo", 3 } };
    CHECK(pwritev2(fd, out, 2, 0, 0) == 5);
    CHECK(pwritev2(fd, out, 1, 0, RWF_APPEND) == 2); // at the end, whatever the offset
    CHECK(lseek(fd, 0, SEEK_SET) == 0);
    char all[8] = { 0 };
    struct iovec whole = { all, 7 };
    CHECK(preadv2(fd, &whole, 1, -1, 0) == 7 && memcmp(all, "hellohe", 7) == 0); // -1: the file's position
    CHECK(lseek(fd, 0, SEEK_CUR) == 7);
    errno = 0;
    CHECK(preadv2(fd, &whole, 1, 0, 0x10000) == -1 && errno == EOPNOTSUPP);
    errno = 0;
    CHECK(preadv(fd, &whole, 1, -1) == -1 && errno == EINVAL);
    CHECK(close(fd) == 0);

    int dir = open(root, O_RDONLY | O_DIRECTORY);
    struct dirent** list = NULL;
    int n = scandirat(dir, "a", &list, NULL, alphasort);
    CHECK(n == 6); // . .. sub up x y
    const char* expected[] = { ".", "..", "sub", "up", "x", "y" };
    for (int i = 0; i < n && i < 6; i++) {
        CHECK(strcmp(list[i]->d_name, expected[i]) == 0);
        free(list[i]);
    }
    free(list);
    errno = 0;
    CHECK(scandirat(dir, "nowhere", &list, NULL, alphasort) == -1 && errno == ENOENT);
    close(dir);
}

// Removes the tree with fts itself (post-order: files, then their directory).
static void remove_tree(void)
{
    char* roots[] = { root, NULL };
    FTS* fts = fts_open(roots, FTS_PHYSICAL, NULL);
    FTSENT* e;
    while (fts && (e = fts_read(fts)))
        CHECK(e->fts_info == FTS_D || (e->fts_info == FTS_DP ? rmdir(e->fts_accpath) : unlink(e->fts_accpath)) == 0);
    CHECK(fts && fts_close(fts) == 0);
    CHECK(access(root, F_OK) == -1 && errno == ENOENT);
}

int main(void)
{
    make_tree();
    check_walks();
    check_other_calls();
    remove_tree();
    if (failures)
        return 1;
    printf("fts_walk: ok\n");
    return 0;
}
