// /proc/self/task (issue 12): a directory per thread with comm, stat and status, as
// Linux's. Names go both ways: a new thread starts with its creator's name, one thread
// names another (musl's and glibc's pthread_setname_np write /proc/self/task/TID/comm for
// a thread other than the caller, and pthread_getname_np reads it), /proc/self/comm
// names the main thread; stat and status show the thread's own id, name and CPU mask.
#define _GNU_SOURCE
#define TEST_NAME "thread_files"
#include "check.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static sem_t g_ready, g_done;
static pid_t g_other_tid;
static char g_born_name[16];

static void* other(void* unused)
{
    g_other_tid = (pid_t)syscall(SYS_gettid);
    pthread_getname_np(pthread_self(), g_born_name, sizeof(g_born_name));
    sem_post(&g_ready);
    sem_wait(&g_done);
    return unused;
}

// The text of a /proc file (at most `size` - 1 bytes), or "" when it cannot be read.
static const char* read_text(const char* path, char* out, size_t size)
{
    out[0] = '\0';
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return out;
    ssize_t n = read(fd, out, size - 1);
    out[n > 0 ? n : 0] = '\0';
    close(fd);
    return out;
}

static int lists_thread(pid_t tid)
{
    DIR* dir = opendir("/proc/self/task");
    if (!dir)
        return 0;
    int found = 0;
    for (struct dirent* entry; (entry = readdir(dir));)
        found |= entry->d_type == DT_DIR && atoi(entry->d_name) == tid;
    closedir(dir);
    return found;
}

int main(int argc, char** argv)
{
    (void)argc;
    const char* base = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    char text[4096], path[64], expected[64], main_name[16];
    CHECK(pthread_getname_np(pthread_self(), main_name, sizeof(main_name)) == 0 && strncmp(main_name, base, 15) == 0);
    sem_init(&g_ready, 0, 0);
    sem_init(&g_done, 0, 0);
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, other, NULL) == 0);
    sem_wait(&g_ready);
    CHECK(strcmp(g_born_name, main_name) == 0); // inherited, as Linux copies comm at clone

    CHECK(lists_thread((pid_t)syscall(SYS_gettid)) && lists_thread(g_other_tid));
    CHECK(pthread_setname_np(thread, "other-1") == 0); // writes task/TID/comm
    char name[16] = "";
    CHECK(pthread_getname_np(thread, name, sizeof(name)) == 0 && strcmp(name, "other-1") == 0);
    snprintf(path, sizeof(path), "/proc/self/task/%d/comm", g_other_tid);
    CHECK(strcmp(read_text(path, text, sizeof(text)), "other-1\n") == 0);

    snprintf(path, sizeof(path), "/proc/self/task/%d/stat", g_other_tid);
    int tid = 0;
    char comm[32] = "", state = 0;
    // The other thread posts g_ready, then blocks in sem_wait: until it gets there (on 2
    // vCPUs, as on Linux, it may still be on its way) its state is R. Look again for a
    // while; never a fixed wait.
    for (int tries = 0; tries < 5000 && state != 'S'; ++tries) {
        CHECK(sscanf(read_text(path, text, sizeof(text)), "%d (%31[^)]) %c", &tid, comm, &state) == 3);
        if (state != 'S')
            usleep(1000);
    }
    CHECK(tid == g_other_tid && strcmp(comm, "other-1") == 0 && state == 'S'); // waits in sem_wait

    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    CHECK(pthread_setaffinity_np(thread, sizeof(set), &set) == 0);
    snprintf(path, sizeof(path), "/proc/self/task/%d/status", g_other_tid);
    read_text(path, text, sizeof(text));
    snprintf(expected, sizeof(expected), "\nPid:\t%d\n", g_other_tid);
    CHECK(strstr(text, expected) != NULL);
    CHECK(strncmp(text, "Name:\tother-1\n", 14) == 0);
    CHECK(strstr(text, "\nCpus_allowed_list:\t0\n") != NULL);
    snprintf(expected, sizeof(expected), "\nTgid:\t%d\n", getpid());
    CHECK(strstr(text, expected) != NULL);

    // /proc/self/comm names the main thread: 15 bytes kept, a newline too; the whole
    // count is written.
    int fd = open("/proc/self/comm", O_WRONLY);
    CHECK(fd >= 0 && write(fd, "abcdefghijklmnopqrstuvwxyz\n", 27) == 27);
    close(fd);
    CHECK(strcmp(read_text("/proc/self/comm", text, sizeof(text)), "abcdefghijklmno\n") == 0);
    CHECK(pthread_getname_np(pthread_self(), name, sizeof(name)) == 0 && strcmp(name, "abcdefghijklmno") == 0);

    errno = 0;
    CHECK(open("/proc/self/task/999999/comm", O_RDONLY) == -1 && errno == ENOENT);

    sem_post(&g_done);
    CHECK(pthread_join(thread, NULL) == 0);
    CHECK(!lists_thread(g_other_tid));
    if (failures)
        return 1;
    printf("thread_files: ok\n");
    return 0;
}
