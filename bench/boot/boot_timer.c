// osprey-boot-timer: times whole VMM processes from outside (issue 16).
//
//   osprey-boot-timer [--runs N] [--timeout SECONDS] [--samples FILE|-] [--plot FILE] [--title TEXT]
//                     --case LABEL MARKER PROGRAM [ARG...] [--case LABEL MARKER PROGRAM [ARG...]]...
//   osprey-boot-timer --summarize SAMPLES [--plot FILE] [--title TEXT]
//
// Each round runs every case once, in the order given (ABAB...), N rounds (default 30).
// A run is timed with CLOCK_MONOTONIC from just before fork() to the moment the output
// (stdout and stderr, one pipe) shows the line with MARKER (empty: the first line), and
// to waitpid() returning. A MARKER "tcp:A.B.C.D:PORT" times a server instead: "the line"
// is the first reply from that address (the timer connects, sends an HTTP/1.0 request for
// "/" and reads, over and over, about every millisecond until bytes come back), as a
// client waiting for a service that is starting sees it; the run still goes on to its
// exit. The first case is the baseline the others are compared with.
// Prints the tables of boot_report.c; --samples keeps every run for --summarize later
// (the nested-KVM harness runs the timer inside its guest and the host draws the plot).
// Exit status: 0 when every run showed its line, 1 when some did not, 2 for bad usage.
#define _GNU_SOURCE // pipe2
#include "boot_timer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { kMaxCases = 8, kLineBytes = 4096, kTailBytes = 2048 };

struct Options {
    int runs;
    int timeout_seconds;
    const char* samples;
    const char* plot;
    const char* title;
    const char* summarize;
    struct BootCase cases[kMaxCases];
    int case_count;
};

static long now_us(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec * 1000000L + now.tv_nsec / 1000;
}

static int usage(const char* problem)
{
    fprintf(stderr,
        "osprey-boot-timer: %s\n"
        "usage: osprey-boot-timer [--runs N] [--timeout SECONDS] [--samples FILE|-] [--plot FILE]\n"
        "                         [--title TEXT] --case LABEL MARKER PROGRAM [ARG...] [--case ...]\n"
        "       osprey-boot-timer --summarize SAMPLES [--plot FILE] [--title TEXT]\n",
        problem);
    return 2;
}

static int positive(const char* text, int* value)
{
    char* end;
    long number = strtol(text, &end, 10);
    if (*text == '\0' || *end != '\0' || number <= 0 || number > 1000000)
        return -1;
    *value = (int)number;
    return 0;
}

// Parses argv into `options`; returns 0, or a usage status (2).
static int parse_options(int argc, char** argv, struct Options* options)
{
    *options = (struct Options) { .runs = 30, .timeout_seconds = 60, .title = "Boot time, from outside" };
    int case_ends[kMaxCases];
    for (int i = 1; i < argc; i++) {
        const char* word = argv[i];
        int has_value = i + 1 < argc;
        if (strcmp(word, "--case") == 0) {
            if (i + 3 >= argc || strcmp(argv[i + 3], "--case") == 0)
                return usage("--case needs LABEL MARKER PROGRAM");
            if (options->case_count == kMaxCases)
                return usage("too many --case (at most 8)");
            struct BootCase* boot_case = &options->cases[options->case_count++];
            *boot_case = (struct BootCase) { .label = argv[i + 1], .marker = argv[i + 2], .argv = &argv[i + 3] };
            int end = i + 3;
            while (end < argc && strcmp(argv[end], "--case") != 0)
                end++;
            case_ends[options->case_count - 1] = end;
            i = end - 1; // the loop's i++ lands on the next "--case"
            continue;
        }
        if (!has_value)
            return usage("an option is missing its value");
        const char* value = argv[++i];
        if (strcmp(word, "--runs") == 0 && positive(value, &options->runs) == 0)
            continue;
        if (strcmp(word, "--timeout") == 0 && positive(value, &options->timeout_seconds) == 0)
            continue;
        if (strcmp(word, "--samples") == 0)
            options->samples = value;
        else if (strcmp(word, "--plot") == 0)
            options->plot = value;
        else if (strcmp(word, "--title") == 0)
            options->title = value;
        else if (strcmp(word, "--summarize") == 0)
            options->summarize = value;
        else
            return usage("unknown option or bad number");
    }
    for (int c = 0; c < options->case_count; c++)
        argv[case_ends[c]] = NULL; // each case's argv ends where the next "--case" was (or at argv[argc])
    if (options->summarize == NULL && options->case_count == 0)
        return usage("nothing to time: give at least one --case");
    if (options->summarize != NULL && options->case_count > 0)
        return usage("--summarize takes no --case");
    return 0;
}

// Watches one run's output: the line with the marker, and the last bytes for a report.
struct OutputWatch {
    const char* marker;
    char line[kLineBytes];
    size_t line_length;
    int seen;
    char tail[kTailBytes];
    size_t tail_length;
};

// Takes `count` bytes of output; returns 1 when the marker's line is now complete or seen.
static int watch_output(struct OutputWatch* watch, const char* bytes, size_t count)
{
    int found = 0;
    for (size_t i = 0; i < count; i++) {
        char byte = bytes[i];
        if (watch->tail_length == kTailBytes) {
            memmove(watch->tail, watch->tail + kTailBytes / 2, kTailBytes / 2);
            watch->tail_length = kTailBytes / 2;
        }
        watch->tail[watch->tail_length++] = byte;
        if (watch->seen)
            continue;
        if (byte == '\n') {
            if (watch->marker[0] == '\0')
                found = watch->seen = 1;
            watch->line_length = 0;
            continue;
        }
        if (watch->line_length + 1 < kLineBytes) {
            watch->line[watch->line_length++] = byte;
            watch->line[watch->line_length] = '\0';
        }
        if (watch->marker[0] != '\0' && strstr(watch->line, watch->marker) != NULL)
            found = watch->seen = 1;
    }
    return found;
}

// A client asking a starting server for its first reply (MARKER "tcp:A.B.C.D:PORT"): one
// non-blocking connection at a time, sent the request once connected; a refused or closed
// connection without a reply is tried again a millisecond later.
struct ReplyProbe {
    struct sockaddr_in address;
    int fd;        // the connection in progress, or -1
    int sent;      // the request went out on it
    long next_try; // monotonic us: when to connect again
    long started;  // monotonic us: when this connection was begun
};

static const char kProbeRequest[] = "GET / HTTP/1.0\r\n\r\n";
// A connection not made in kProbeConnectUs (a SYN nobody answers yet) is begun again
// rather than left to the kernel's backoff of a second and more; while probing, the loop
// looks at least every kProbeLookMs (connections, and whether the process ended).
enum { kProbeRetryUs = 1000, kProbeConnectUs = 50000, kProbeLookMs = 10 };

// Whether `marker` asks for a probe; fills `probe` from it. -1: a malformed tcp: marker.
static int probe_from_marker(const char* marker, struct ReplyProbe* probe)
{
    if (strncmp(marker, "tcp:", 4) != 0)
        return 0;
    char host[64];
    const char* colon = strrchr(marker + 4, ':');
    int port;
    if (colon == NULL || (size_t)(colon - (marker + 4)) >= sizeof host || positive(colon + 1, &port) != 0
        || port > 65535)
        return -1;
    memcpy(host, marker + 4, (size_t)(colon - (marker + 4)));
    host[colon - (marker + 4)] = '\0';
    *probe = (struct ReplyProbe) { .address = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) }, .fd = -1 };
    return inet_pton(AF_INET, host, &probe->address.sin_addr) == 1 ? 1 : -1;
}

static void probe_close(struct ReplyProbe* probe, long now)
{
    if (probe->fd >= 0)
        close(probe->fd);
    probe->fd = -1;
    probe->sent = 0;
    probe->next_try = now + kProbeRetryUs;
}

// Starts a connection when one is due; returns the events to poll its socket for (0: none).
static short probe_prepare(struct ReplyProbe* probe, long now)
{
    if (probe->fd >= 0 && !probe->sent && now - probe->started > kProbeConnectUs)
        probe_close(probe, now - kProbeRetryUs); // begun again at once
    if (probe->fd < 0 && now >= probe->next_try) {
        probe->started = now;
        probe->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (probe->fd >= 0 && connect(probe->fd, (struct sockaddr*)&probe->address, sizeof probe->address) != 0
            && errno != EINPROGRESS)
            probe_close(probe, now);
    }
    return probe->fd < 0 ? 0 : probe->sent ? POLLIN : POLLOUT;
}

// Handles the socket's poll events; returns 1 when the reply came.
static int probe_handle(struct ReplyProbe* probe, short revents, long now)
{
    if (probe->fd < 0 || revents == 0)
        return 0;
    if (!probe->sent) {
        int error = 0;
        socklen_t length = sizeof error;
        if (getsockopt(probe->fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0 || error != 0
            || send(probe->fd, kProbeRequest, sizeof kProbeRequest - 1, MSG_NOSIGNAL) < 0) {
            probe_close(probe, now);
            return 0;
        }
        probe->sent = 1;
        return 0;
    }
    char reply[256];
    ssize_t count = recv(probe->fd, reply, sizeof reply, 0);
    if (count > 0) {
        probe_close(probe, now);
        return 1;
    }
    if (count == 0 || (errno != EAGAIN && errno != EINTR))
        probe_close(probe, now); // closed or reset before answering: not up yet
    return 0;
}

// The child: its own process group (so a timeout stops all of it), SIGKILL when the timer
// dies (a killed benchmark leaves no VMM spinning on: `osprey run` does the same), stdin
// from /dev/null, stdout and stderr into the pipe.
static void exec_case(const struct BootCase* boot_case, int output, pid_t timer)
{
    setpgid(0, 0);
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != timer) // else the timer is gone already
        _exit(127);
    int null = open("/dev/null", O_RDONLY);
    if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(output, STDOUT_FILENO) < 0 || dup2(output, STDERR_FILENO) < 0)
        _exit(127);
    execvp(boot_case->argv[0], boot_case->argv);
    fprintf(stderr, "osprey-boot-timer: cannot run %s: %s\n", boot_case->argv[0], strerror(errno));
    _exit(127);
}

static int wait_status(pid_t child)
{
    int status;
    while (waitpid(child, &status, 0) < 0)
        if (errno != EINTR)
            return 127;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Runs one case once; fills `sample`, and `watch` with the end of its output. Returns 0,
// or -1 if the process could not be started.
static int time_run(
    const struct BootCase* boot_case, int timeout_seconds, struct BootSample* sample, struct OutputWatch* watch)
{
    int pipe_ends[2];
    if (pipe2(pipe_ends, O_CLOEXEC) < 0)
        return -1;
    *watch = (struct OutputWatch) { .marker = boot_case->marker };
    pid_t timer = getpid();
    long start = now_us();
    pid_t child = fork();
    if (child == 0)
        exec_case(boot_case, pipe_ends[1], timer);
    close(pipe_ends[1]);
    if (child < 0)
        return close(pipe_ends[0]), -1;
    *sample = (struct BootSample) { .line_us = kNoLine };
    long deadline = start + timeout_seconds * 1000000L;
    int timed_out = 0;
    struct ReplyProbe probe;
    int probing = probe_from_marker(boot_case->marker, &probe) == 1;
    int output_open = 1;
    for (;;) {
        int asking = probing && sample->line_us == kNoLine; // the reply has not come yet
        if (!output_open && !asking)
            break;
        siginfo_t ended = { 0 };
        if ((!output_open || asking) && waitid(P_PID, (id_t)child, &ended, WEXITED | WNOHANG | WNOWAIT) == 0
            && ended.si_pid == child)
            break; // it ended (without a reply, it never will); reaped below
        long now = now_us();
        struct pollfd fds[2] = { { .fd = output_open ? pipe_ends[0] : -1, .events = POLLIN }, { .fd = -1 } };
        if (asking) {
            short events = probe_prepare(&probe, now); // may begin a connection
            fds[1] = (struct pollfd) { .fd = probe.fd, .events = events };
        }
        long left_ms = (deadline - now) / 1000;
        long wait_ms = !asking ? left_ms : probe.fd < 0 ? 1 : kProbeLookMs;
        int ready = left_ms <= 0 ? 0 : poll(fds, 2, (int)(wait_ms < left_ms ? wait_ms : left_ms));
        if (left_ms <= 0 || (ready == 0 && now_us() >= deadline)) {
            kill(-child, SIGKILL);
            timed_out = 1;
            break;
        }
        if (asking && probe_handle(&probe, fds[1].revents, now_us()))
            sample->line_us = now_us() - start;
        if (!output_open || !(fds[0].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        char bytes[4096];
        ssize_t count = read(pipe_ends[0], bytes, sizeof bytes);
        if (count < 0 && errno == EINTR)
            continue;
        if (count <= 0) {
            output_open = 0; // the process ends (or closed its output)
            continue;
        }
        if (watch_output(watch, bytes, (size_t)count) && !probing)
            sample->line_us = now_us() - start;
    }
    if (probing)
        probe_close(&probe, 0);
    close(pipe_ends[0]);
    int status = wait_status(child);
    sample->exit_us = now_us() - start;
    sample->status = timed_out ? kStatusTimedOut : status;
    return 0;
}

static void report_missing_line(
    const struct BootCase* boot_case, int round, const struct BootSample* sample, const struct OutputWatch* watch)
{
    fprintf(stderr, "osprey-boot-timer: %s, round %d: no line%s%s%s (status %d); the output ended with:\n%.*s\n",
        boot_case->label, round + 1, boot_case->marker[0] ? " with \"" : "", boot_case->marker,
        boot_case->marker[0] ? "\"" : "", sample->status, (int)watch->tail_length, watch->tail);
}

static void show_progress(int round, int runs)
{
    if (isatty(STDERR_FILENO))
        fprintf(stderr, "\rosprey-boot-timer: round %d of %d", round, runs);
    else if (round % 10 == 0 || round == runs)
        fprintf(stderr, "osprey-boot-timer: round %d of %d\n", round, runs);
    if (round == runs && isatty(STDERR_FILENO))
        fputc('\n', stderr);
}

// Runs every round; returns the number of runs that showed no line, or -1 when a process
// could not be started.
static int run_rounds(struct Options* options)
{
    int missing = 0;
    for (int c = 0; c < options->case_count; c++)
        options->cases[c].samples = calloc((size_t)options->runs, sizeof(struct BootSample));
    static struct OutputWatch watch;
    for (int round = 0; round < options->runs; round++) {
        for (int c = 0; c < options->case_count; c++) {
            struct BootCase* boot_case = &options->cases[c];
            struct BootSample* sample = &boot_case->samples[round];
            if (boot_case->samples == NULL || time_run(boot_case, options->timeout_seconds, sample, &watch) < 0) {
                fprintf(stderr, "osprey-boot-timer: cannot start %s: %s\n", boot_case->argv[0], strerror(errno));
                return -1;
            }
            boot_case->count = round + 1;
            if (sample->line_us == kNoLine && missing++ == 0)
                report_missing_line(boot_case, round, sample, &watch);
        }
        show_progress(round + 1, options->runs);
    }
    return missing;
}

static int write_samples_file(const char* name, const struct Options* options)
{
    FILE* out = strcmp(name, "-") == 0 ? stdout : fopen(name, "w");
    if (out == NULL)
        return fprintf(stderr, "osprey-boot-timer: cannot write %s: %s\n", name, strerror(errno)), -1;
    boot_write_samples(out, options->cases, options->case_count);
    return out == stdout ? fflush(out) : fclose(out);
}

static int summarize(struct Options* options)
{
    FILE* in = fopen(options->summarize, "r");
    if (in == NULL)
        return fprintf(stderr, "osprey-boot-timer: cannot read %s: %s\n", options->summarize, strerror(errno)), 1;
    options->case_count = boot_read_samples(in, options->summarize, options->cases, kMaxCases);
    fclose(in);
    if (options->case_count <= 0)
        return fprintf(stderr, "osprey-boot-timer: no samples in %s\n", options->summarize), 1;
    boot_print_report(stdout, options->cases, options->case_count);
    return options->plot && boot_plot_cdf(options->plot, options->title, options->cases, options->case_count) ? 1 : 0;
}

int main(int argc, char** argv)
{
    static struct Options options;
    int status = parse_options(argc, argv, &options);
    if (status != 0)
        return status;
    for (int c = 0; c < options.case_count; c++) {
        struct ReplyProbe probe;
        if (probe_from_marker(options.cases[c].marker, &probe) < 0)
            return usage("a reply marker is tcp:A.B.C.D:PORT");
    }
    if (options.summarize)
        return summarize(&options);
    signal(SIGPIPE, SIG_IGN);
    int missing = run_rounds(&options);
    if (missing < 0)
        return 1;
    boot_print_report(stdout, options.cases, options.case_count);
    fflush(stdout);
    if (options.samples && write_samples_file(options.samples, &options) != 0)
        return 1;
    if (options.plot && boot_plot_cdf(options.plot, options.title, options.cases, options.case_count) != 0)
        return 1;
    if (missing > 0)
        fprintf(stderr, "osprey-boot-timer: %d run(s) showed no line; they are left out of \"to line\"\n", missing);
    return missing > 0 ? 1 : 0;
}
