// System V shared memory (kernel/syscall/shared_memory.cpp): keys, IPC_CREAT/IPC_EXCL,
// two attachments of one segment sharing pages, read-only attachments, IPC_STAT counts,
// IPC_RMID with attachments left, and the errors. Prints "sysv_shm: ok".
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <unistd.h>

#define TEST_NAME "sysv_shm"
#include "check.h"

static sigjmp_buf g_fault;
static void on_segv(int signal) { siglongjmp(g_fault, signal); }

int main(void)
{
    const key_t key = 0x05eed;
    const size_t size = 3 * 4096 + 100;
    int id = shmget(key, size, IPC_CREAT | IPC_EXCL | 0640);
    CHECK(id >= 0);
    CHECK(shmget(key, size, IPC_CREAT | IPC_EXCL | 0640) == -1 && errno == EEXIST);
    CHECK(shmget(key, size, 0) == id); // found by its key
    CHECK(shmget(key, size * 2, 0) == -1 && errno == EINVAL);
    CHECK(shmget(0x7777, 4096, 0) == -1 && errno == ENOENT);
    CHECK(shmget(IPC_PRIVATE, 0, IPC_CREAT) == -1 && errno == EINVAL);

    // Two attachments are the same pages; a new segment reads as zeros.
    char* first = shmat(id, NULL, 0);
    char* second = shmat(id, NULL, 0);
    CHECK(first != (void*)-1 && second != (void*)-1 && first != second);
    CHECK(first[0] == 0 && first[size - 1] == 0);
    strcpy(first + 4096, "through the first");
    CHECK(strcmp(second + 4096, "through the first") == 0);
    second[size - 1] = 'z';
    CHECK(first[size - 1] == 'z');

    struct shmid_ds info;
    CHECK(shmctl(id, IPC_STAT, &info) == 0);
    CHECK(info.shm_segsz == size && info.shm_nattch == 2 && info.shm_perm.__key == key);
    CHECK((info.shm_perm.mode & 0777) == 0640);
    CHECK(info.shm_cpid == getpid());

    // A read-only attachment faults on a write.
    char* reader = shmat(id, NULL, SHM_RDONLY);
    CHECK(reader != (void*)-1 && reader[size - 1] == 'z');
    signal(SIGSEGV, on_segv);
    if (sigsetjmp(g_fault, 1) == 0) {
        reader[0] = 1;
        CHECK(!"a write to a SHM_RDONLY attachment did not fault");
    }
    CHECK(shmdt(reader) == 0);

    // At a chosen address: taken ranges are EINVAL without SHM_REMAP.
    CHECK(shmat(id, first, 0) == (void*)-1 && errno == EINVAL);
    CHECK(shmat(id, first + 1, 0) == (void*)-1 && errno == EINVAL);

    // IPC_RMID with attachments left: the key is gone, the pages stay until the last detach.
    CHECK(shmctl(id, IPC_RMID, NULL) == 0);
    CHECK(shmget(key, size, 0) == -1 && errno == ENOENT);
    CHECK(strcmp(second + 4096, "through the first") == 0);
    CHECK(shmdt(first) == 0);
    CHECK(shmdt(first) == -1 && errno == EINVAL);
    CHECK(shmctl(id, IPC_STAT, &info) == 0 && info.shm_nattch == 1);
    CHECK(shmdt(second) == 0);
    CHECK(shmctl(id, IPC_STAT, &info) == -1 && errno == EINVAL); // gone with its last detach
    CHECK(shmat(id, NULL, 0) == (void*)-1 && errno == EINVAL);

    if (failures)
        return 1;
    puts("sysv_shm: ok");
    return 0;
}
