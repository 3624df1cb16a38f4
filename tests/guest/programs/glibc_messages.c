// glibc's messages and small calls, with glibc's exact words: error() and error_at_line()
// with error_print_progname, error_one_per_line and error_message_count; signal names and
// descriptions (sigabbrev_np, sigdescr_np, strsignal, psignal); rpmatch; the BSD signal
// masks; gettext's catalog counter; getpt. stderr goes to a file for the messages to be
// compared. Checked natively against glibc 2.36 first. Real-time signals are numbered
// from the program's SIGRTMIN (35 under Osprey, 34 under glibc), so only SIGRTMIN + 1 is
// checked by its number.
#define _GNU_SOURCE
#define TEST_NAME "glibc_messages"
#include "check.h"

#include <errno.h>
#include <error.h>
#include <fcntl.h>
#include <libintl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern int _nl_msg_cat_cntr;
extern const char _libc_intl_domainname[];

static void print_my_name(void) { fprintf(stderr, "MINE:"); }

/// Runs `emit` with stderr sent to a file; what it wrote.
static char* captured(void (*emit)(void))
{
    static char text[1024];
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    int file = open("/tmp/glibc_messages.err", O_RDWR | O_CREAT | O_TRUNC, 0600);
    dup2(file, STDERR_FILENO);
    emit();
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    ssize_t n = pread(file, text, sizeof text - 1, 0);
    text[n > 0 ? n : 0] = 0;
    close(file);
    unlink("/tmp/glibc_messages.err");
    return text;
}

static void emit_errors(void)
{
    error(0, 0, "plain");
    error(0, ENOENT, "with %d", 3);
    error_at_line(0, 0, NULL, 3, "nofile");
    error_one_per_line = 1;
    error_at_line(0, 0, "f.c", 3, "one");
    error_at_line(0, 0, "f.c", 3, "two"); // the same FILE:LINE again: nothing
    error_at_line(0, 0, "g.c", 3, "three");
    error_one_per_line = 0;
    error_print_progname = print_my_name;
    error(0, 0, "custom");
    error_at_line(0, 0, NULL, 1, "custom nofile"); // glibc adds a space after the callback
    error_print_progname = NULL;
}

static void errors(void)
{
    unsigned before = error_message_count;
    const char* text = captured(emit_errors);
    char expected[1024];
    const char* name = program_invocation_name;
    snprintf(expected, sizeof expected,
        "%s: plain\n%s: with 3: No such file or directory\n%s: nofile\n%s:f.c:3: one\n%s:g.c:3: three\nMINE:custom\n"
        "MINE: custom nofile\n",
        name, name, name, name, name);
    CHECK(strcmp(text, expected) == 0);
    if (strcmp(text, expected) != 0)
        printf("glibc_messages: got [%s]\n", text);
    CHECK(error_message_count - before == 7);
}

static void emit_psignal(void)
{
    psignal(SIGSEGV, "msg");
    psignal(SIGCHLD, NULL);
    psignal(SIGRTMIN + 2, "rt"); // psignal names no real-time signal, unlike strsignal
}

static void signal_names(void)
{
    CHECK(strcmp(strsignal(SIGFPE), "Floating point exception") == 0);
    CHECK(strcmp(strsignal(SIGCHLD), "Child exited") == 0);
    CHECK(strcmp(strsignal(SIGHUP), "Hangup") == 0 && strcmp(strsignal(SIGSYS), "Bad system call") == 0);
    CHECK(strcmp(strsignal(SIGRTMIN + 1), "Real-time signal 1") == 0);
    CHECK(strcmp(strsignal(99), "Unknown signal 99") == 0 && strcmp(strsignal(-1), "Unknown signal -1") == 0);
    CHECK(strcmp(sigabbrev_np(SIGWINCH), "WINCH") == 0 && strcmp(sigabbrev_np(SIGPOLL), "POLL") == 0);
    CHECK(strcmp(sigdescr_np(SIGSTOP), "Stopped (signal)") == 0);
    CHECK(sigabbrev_np(0) == NULL && sigdescr_np(0) == NULL && sigabbrev_np(SIGRTMIN) == NULL && sigdescr_np(65) == NULL
        && sigabbrev_np(-3) == NULL);
    char expected[96];
    snprintf(expected, sizeof expected, "msg: Segmentation fault\nChild exited\nrt: Unknown signal %d\n", SIGRTMIN + 2);
    CHECK(strcmp(captured(emit_psignal), expected) == 0);
}

static void yes_or_no(void)
{
    CHECK(rpmatch("y") == 1 && rpmatch("Yes") == 1 && rpmatch("yn") == 1);
    CHECK(rpmatch("n") == 0 && rpmatch("No") == 0);
    CHECK(rpmatch("x") == -1 && rpmatch("") == -1 && rpmatch(" y") == -1);
}

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#define BIT(signal) (1 << ((signal)-1)) // sigmask(), deprecated in the headers
static void bsd_masks(void)
{
    CHECK(sigsetmask(0) != -1);
    CHECK(sigblock(BIT(SIGUSR1)) == 0 && siggetmask() == BIT(SIGUSR1));
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGRTMIN + 1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    CHECK(sigsetmask(BIT(SIGINT) | BIT(SIGKILL)) == BIT(SIGUSR1)); // KILL cannot be blocked
    CHECK(siggetmask() == BIT(SIGINT));
    sigprocmask(SIG_SETMASK, NULL, &set);
    CHECK(sigismember(&set, SIGRTMIN + 1) == 0); // the whole mask was replaced
    CHECK(sigsetmask(0) == BIT(SIGINT) && siggetmask() == 0);
}

static void catalog_counter(void)
{
    CHECK(strcmp(_libc_intl_domainname, "libc") == 0);
    int start = _nl_msg_cat_cntr;
    textdomain("glibc_messages");
    CHECK(_nl_msg_cat_cntr == start + 1);
    textdomain("glibc_messages"); // counted again, as glibc does
    textdomain(NULL);             // only asks
    CHECK(_nl_msg_cat_cntr == start + 2);
    bindtextdomain("glibc_messages", "/tmp");
    CHECK(_nl_msg_cat_cntr == start + 3);
    bindtextdomain("glibc_messages", "/tmp"); // no change
    bindtextdomain("glibc_messages", NULL);
    CHECK(_nl_msg_cat_cntr == start + 3);
}

int main(void)
{
    errors();
    signal_names();
    yes_or_no();
    bsd_masks();
    catalog_counter();
    int master = getpt(); // Osprey's /dev has no ptmx yet
    CHECK(master >= 0 ? close(master) == 0 : errno == ENOENT);
    if (failures)
        return 1;
    printf("glibc_messages: ok\n");
    return 0;
}
