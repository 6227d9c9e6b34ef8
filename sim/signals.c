/* signals.c: an interrupted payback leaves nothing behind (signals.h). */
#define _XOPEN_SOURCE 700 /* sigaltstack, SA_ONSTACK */
#include "payback/signals.h"

#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

/* The handler reads these: the path is set before the flag, and the flag
 * cleared before the path changes. */
static const char *volatile part;
static volatile sig_atomic_t have_part;

void pb_signals_part(const char *path)
{
    have_part = 0;
    part = path;
    if (path) have_part = 1;
}

/* Async-signal-safe only: unlink, write, _exit. */
static void on_signal(int sig)
{
    if (have_part) unlink(part);
    static const char msg[] = "payback: interrupted\n";
    ssize_t w = write(2, msg, sizeof msg - 1);
    (void)w;
    _exit(128 + sig);
}

void pb_signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &sa, NULL);
    signal(SIGXFSZ, SIG_IGN);
}

static const char *volatile reading;
static struct sigaction old_segv, old_bus, old_prof;

static void say_damaged(const char *why)
{
    static const char a[] = "payback: error: '";
    ssize_t w = write(2, a, sizeof a - 1);
    if (reading) w = write(2, reading, strlen(reading));
    w = write(2, why, strlen(why));
    (void)w;
    if (have_part) unlink(part);
    _exit(2);
}

static void on_fault(int sig)
{
    (void)sig;
    say_damaged("' is damaged: the HDF5 library failed inside its own code reading it (a crafted or corrupted file)\n");
}

static void on_overtime(int sig)
{
    (void)sig;
    say_damaged("' is damaged: the HDF5 library did not finish reading it within its CPU-time bound "
                "(a crafted or corrupted file; docs/cli.md, 'Reading result files')\n");
}

double pb_read_budget(const char *const *paths, int n)
{
    double bytes = 0;
    for (int i = 0; i < n; i++) {
        struct stat st;
        if (stat(paths[i], &st) == 0 && st.st_size > 0) bytes += (double)st.st_size;
    }
    return PB_READ_CPU_BASE + bytes / PB_READ_CPU_RATE;
}

static void set_timer(double seconds)
{
    struct itimerval t = {{0, 0}, {0, 0}};
    if (seconds > 0) {
        if (seconds > 1e8) seconds = 1e8;
        t.it_value.tv_sec = (time_t)seconds;
        t.it_value.tv_usec = (suseconds_t)((seconds - (double)t.it_value.tv_sec) * 1e6);
    }
    setitimer(ITIMER_PROF, &t, NULL);
}

void pb_signals_reading(const char *path, double cpu_seconds)
{
    if (path && !reading) {
        static char stack[1 << 16]; /* the fault may be a stack overflow */
        stack_t ss = {.ss_sp = stack, .ss_size = sizeof stack, .ss_flags = 0};
        sigaltstack(&ss, NULL);
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_fault;
        sa.sa_flags = SA_ONSTACK;
        sigemptyset(&sa.sa_mask);
        reading = path;
        sigaction(SIGSEGV, &sa, &old_segv);
        sigaction(SIGBUS, &sa, &old_bus);
        sa.sa_handler = on_overtime;
        sigaction(SIGPROF, &sa, &old_prof);
        set_timer(cpu_seconds);
    } else if (!path && reading) {
        set_timer(0);
        sigaction(SIGSEGV, &old_segv, NULL);
        sigaction(SIGBUS, &old_bus, NULL);
        sigaction(SIGPROF, &old_prof, NULL);
        reading = NULL;
    }
}
