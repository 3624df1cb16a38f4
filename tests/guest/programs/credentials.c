// Identity and machine calls servers make at start: a root server drops to another user
// (initgroups, setgid, setuid) after its network is up, and cannot come back; capabilities
// follow; membarrier and the NUMA policy calls answer as on a one-node Linux machine.
// Prints "credentials: ok".
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <linux/membarrier.h>
#include <linux/capability.h>
#include <linux/mempolicy.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define TEST_NAME "credentials"
#include "check.h"

static long membarrier(int command) { return syscall(SYS_membarrier, command, 0, 0); }

static int capabilities_effective_word0(void)
{
    struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];
    CHECK(syscall(SYS_capget, &header, data) == 0);
    return (int)data[0].effective;
}

int main(void)
{
    // The network thread starts with the first socket; musl's setgroups and setuid then
    // signal every thread it knows of and wait for each (they hung on the network thread).
    int s = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(s >= 0);

    long supported = membarrier(MEMBARRIER_CMD_QUERY);
    CHECK(supported > 0 && (supported & MEMBARRIER_CMD_PRIVATE_EXPEDITED));
    CHECK(membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0);
    CHECK(membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0 && membarrier(MEMBARRIER_CMD_GLOBAL) == 0);
    CHECK(membarrier(12345) == -1 && errno == EINVAL);

    int mode = -1;
    unsigned long nodes = 0;
    CHECK(syscall(SYS_get_mempolicy, &mode, &nodes, 64, 0, 0) == 0 && mode == MPOL_DEFAULT);
    CHECK(syscall(SYS_get_mempolicy, NULL, &nodes, 64, 0, MPOL_F_MEMS_ALLOWED) == 0 && nodes == 1);
    unsigned long node0 = 1, node1 = 2;
    CHECK(syscall(SYS_set_mempolicy, MPOL_BIND, &node0, 64) == 0);
    CHECK(syscall(SYS_set_mempolicy, MPOL_BIND, &node1, 64) == -1 && errno == EINVAL);
    CHECK(syscall(SYS_set_mempolicy, MPOL_DEFAULT, NULL, 0) == 0);

    CHECK(getuid() == 0 && geteuid() == 0 && capabilities_effective_word0() == -1);
    gid_t drop[] = { 65534, 100 };
    CHECK(setgroups(2, drop) == 0);
    gid_t listed[8];
    CHECK(getgroups(0, NULL) == 2 && getgroups(8, listed) == 2 && listed[0] == 65534 && listed[1] == 100);
    CHECK(getgroups(1, listed) == -1 && errno == EINVAL);
    CHECK(setgid(65534) == 0 && getgid() == 65534 && getegid() == 65534);
    CHECK(setuid(65534) == 0 && getuid() == 65534 && geteuid() == 65534);
    uid_t r, e, saved;
    CHECK(getresuid(&r, &e, &saved) == 0 && r == 65534 && e == 65534 && saved == 65534);
    CHECK(capabilities_effective_word0() == 0);
    char status[4096] = "";
    FILE* file = fopen("/proc/self/status", "r");
    size_t length = file ? fread(status, 1, sizeof(status) - 1, file) : 0;
    if (file)
        fclose(file);
    status[length] = '\0';
    CHECK(strstr(status, "\nUid:\t65534\t65534\t65534\t65534\n")
        && strstr(status, "\nGid:\t65534\t65534\t65534\t65534\n"));
    CHECK(setuid(0) == -1 && errno == EPERM);
    CHECK(setgroups(0, NULL) == -1 && errno == EPERM);

    if (failures)
        return 1;
    printf("credentials: ok\n");
    return 0;
}
