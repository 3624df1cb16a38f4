// osprey-density: how much host memory each of N VMs of one image costs (issue 16).
//
//   osprey-density [--vms N] [--timeout SECONDS] [--settle-ms MS] --marker TEXT -- PROGRAM [ARG...]
//
// Starts N copies of PROGRAM (a VMM command line: osprey-monitor booting an image, or
// restoring a snapshot), waits until each has printed a line containing TEXT (the guest is
// up and its program ready), lets them settle (--settle-ms, default 500: what a program
// touches right after its line counts, and one that ends there is seen to have ended),
// then reads every process's /proc/PID/smaps_rollup and prints
// a table: RSS, PSS (proportional set size: each shared page divided among the processes
// that map it, so the PSS column sums to what the N VMs cost together) and its anonymous,
// file and shmem (files on tmpfs) parts, one row per VM, then the mean. Pages the VMs share (the image through
// the page cache, a snapshot's RAM until a VM writes it) show as PSS well below RSS. Then
// kills them all. Static, so it runs in the nested harness's busybox initramfs. Exit
// status: 0 when every VM showed its line, 1 when one did not (the table is not printed),
// 2 for bad usage.
#define _GNU_SOURCE // pipe2
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { kMaxVms = 64, kLineBytes = 4096 };

struct Vm {
    pid_t pid;
    int output; // read end of its stdout+stderr, -1 once closed
    int ready;  // the marker was seen
    char line[kLineBytes];
    size_t used;
};

struct Usage {
    long rss, pss, pss_anon, pss_file, pss_shmem; // kB
};

static volatile sig_atomic_t g_interrupted; // SIGINT, SIGTERM or SIGHUP: stop and clean up

static void on_interrupt(int signal) { g_interrupted = signal; }

static long now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec * 1000L + now.tv_nsec / 1000000L;
}

static int usage(const char* problem)
{
    fprintf(stderr,
        "osprey-density: %s\nusage: osprey-density [--vms N] [--timeout SECONDS] [--settle-ms MS] --marker TEXT -- "
        "PROGRAM [ARG...]\n",
        problem);
    return 2;
}

static int start(struct Vm* vm, char** argv)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0)
        return -1;
    vm->pid = fork();
    if (vm->pid < 0)
        return -1;
    if (vm->pid == 0) {
        // A VM must not outlive this program (killed, or the CLI's Ctrl-C).
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() == 1)
            _exit(127);
        int null = open("/dev/null", O_RDONLY);
        dup2(null, 0);
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        execvp(argv[0], argv);
        fprintf(stderr, "osprey-density: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    vm->output = fds[0];
    return 0;
}

/// Reads what VM `vm` wrote; marks it ready at a line (or a full buffer) holding `marker`.
static void take_output(struct Vm* vm, const char* marker)
{
    ssize_t got = read(vm->output, vm->line + vm->used, sizeof vm->line - 1 - vm->used);
    if (got <= 0) {
        close(vm->output);
        vm->output = -1;
        return;
    }
    vm->used += (size_t)got;
    vm->line[vm->used] = '\0';
    if (strstr(vm->line, marker))
        vm->ready = 1;
    char* newline = strrchr(vm->line, '\n');
    if (newline) { // keep only the unfinished line
        size_t rest = vm->used - (size_t)(newline + 1 - vm->line);
        memmove(vm->line, newline + 1, rest);
        vm->used = rest;
    } else if (vm->used == sizeof vm->line - 1) {
        vm->used = 0;
    }
}

static long field(const char* text, const char* name)
{
    const char* at = strstr(text, name);
    return at ? strtol(at + strlen(name), NULL, 10) : -1;
}

static int read_usage(pid_t pid, struct Usage* usage)
{
    char path[64], text[4096];
    snprintf(path, sizeof path, "/proc/%d/smaps_rollup", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t got = read(fd, text, sizeof text - 1);
    close(fd);
    if (got <= 0)
        return -1;
    text[got] = '\0';
    usage->rss = field(text, "\nRss:");
    usage->pss = field(text, "\nPss:");
    usage->pss_anon = field(text, "\nPss_Anon:");
    usage->pss_file = field(text, "\nPss_File:");
    usage->pss_shmem = field(text, "\nPss_Shmem:");
    return usage->rss < 0 || usage->pss < 0 ? -1 : 0;
}

int main(int argc, char** argv)
{
    int vms = 4, timeout_seconds = 300, settle_ms = 500;
    const char* marker = NULL;
    int i = 1;
    for (; i < argc && strcmp(argv[i], "--") != 0; ++i) {
        if (i + 1 >= argc)
            return usage("an option without its value");
        if (strcmp(argv[i], "--vms") == 0)
            vms = atoi(argv[++i]);
        else if (strcmp(argv[i], "--timeout") == 0)
            timeout_seconds = atoi(argv[++i]);
        else if (strcmp(argv[i], "--settle-ms") == 0)
            settle_ms = atoi(argv[++i]);
        else if (strcmp(argv[i], "--marker") == 0)
            marker = argv[++i];
        else
            return usage("unknown option");
    }
    if (!marker || i + 1 >= argc)
        return usage("give --marker TEXT and, after --, the VMM's command");
    if (vms < 1 || vms > kMaxVms || timeout_seconds < 1 || settle_ms < 0)
        return usage("--vms is 1 to 64, --timeout at least 1, --settle-ms not negative");
    char** command = argv + i + 1;
    signal(SIGPIPE, SIG_IGN);
    struct sigaction stop = { .sa_handler = on_interrupt }; // no SA_RESTART: poll returns
    sigaction(SIGINT, &stop, NULL);
    sigaction(SIGTERM, &stop, NULL);
    sigaction(SIGHUP, &stop, NULL);
    static struct Vm fleet[kMaxVms];
    int failed = 0;
    for (int v = 0; v < vms && !failed; ++v)
        failed = start(&fleet[v], command) < 0;
    long deadline = now_ms() + timeout_seconds * 1000L;
    int ready = 0;
    while (!failed && !g_interrupted && ready < vms && now_ms() < deadline) {
        struct pollfd polls[kMaxVms];
        for (int v = 0; v < vms; ++v)
            polls[v] = (struct pollfd) { .fd = fleet[v].output, .events = POLLIN };
        if (poll(polls, (nfds_t)vms, 1000) < 0 && errno != EINTR)
            break;
        ready = 0;
        for (int v = 0; v < vms; ++v) {
            if (fleet[v].output >= 0 && (polls[v].revents & (POLLIN | POLLHUP)))
                take_output(&fleet[v], marker);
            ready += fleet[v].ready;
            failed |= !fleet[v].ready && fleet[v].output < 0; // ended without its line
        }
    }
    if (ready == vms && settle_ms > 0) {
        struct timespec settle = { settle_ms / 1000, (settle_ms % 1000) * 1000000L };
        nanosleep(&settle, NULL);
    }
    struct Usage usages[kMaxVms];
    int measured = ready == vms && !g_interrupted;
    for (int v = 0; v < vms && measured; ++v) {
        int status;
        if (waitpid(fleet[v].pid, &status, WNOHANG) == fleet[v].pid) {
            fprintf(stderr,
                "osprey-density: VM %d ended before its memory could be read: measure a program that keeps "
                "running once it has printed \"%s\" (a server)\n",
                v + 1, marker);
            fleet[v].pid = 0; // reaped
            measured = 0;
        } else if (read_usage(fleet[v].pid, &usages[v]) < 0) {
            fprintf(stderr, "osprey-density: cannot read /proc/%d/smaps_rollup (Linux 4.14 or later has it)\n",
                (int)fleet[v].pid);
            measured = 0;
        }
    }
    if (measured) {
        long total_rss = 0, total_pss = 0, total_anon = 0, total_file = 0, total_shmem = 0;
        printf("| VM | RSS KiB | PSS KiB | PSS anonymous KiB | PSS file KiB | PSS shmem KiB |\n"
               "|---|---:|---:|---:|---:|---:|\n");
        for (int v = 0; v < vms; ++v) {
            printf("| %d | %ld | %ld | %ld | %ld | %ld |\n", v + 1, usages[v].rss, usages[v].pss, usages[v].pss_anon,
                usages[v].pss_file, usages[v].pss_shmem);
            total_rss += usages[v].rss, total_pss += usages[v].pss;
            total_anon += usages[v].pss_anon, total_file += usages[v].pss_file, total_shmem += usages[v].pss_shmem;
        }
        printf("| mean of %d | %ld | %ld | %ld | %ld | %ld |\n", vms, total_rss / vms, total_pss / vms,
            total_anon / vms, total_file / vms, total_shmem / vms);
        printf("\n%d VMs together: %ld KiB of host memory (sum of PSS), %ld KiB per VM\n", vms, total_pss,
            total_pss / vms);
    } else if (ready < vms && !g_interrupted) {
        fprintf(stderr, "osprey-density: only %d of %d VMs showed \"%s\"\n", ready, vms, marker);
        for (int v = 0; v < vms; ++v)
            if (!fleet[v].ready && fleet[v].used)
                fprintf(stderr, "  VM %d's last output: %s\n", v + 1, fleet[v].line);
    }
    fflush(stdout);
    for (int v = 0; v < vms; ++v)
        if (fleet[v].pid > 0)
            kill(fleet[v].pid, SIGKILL);
    for (int v = 0; v < vms; ++v)
        if (fleet[v].pid > 0)
            waitpid(fleet[v].pid, NULL, 0);
    return measured ? 0 : 1;
}
