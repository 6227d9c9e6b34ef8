/* signals.c: an interrupted payback leaves nothing behind (signals.h). */
#define _XOPEN_SOURCE 700 /* sigaltstack, SA_ONSTACK */
#include "payback/signals.h"

#include <signal.h>
#include <string.h>
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
static struct sigaction old_segv, old_bus;

static void on_fault(int sig)
{
    (void)sig;
    static const char a[] = "payback: error: '", b[] = "' is damaged: the HDF5 library failed inside its own code "
                                                       "reading it (a crafted or corrupted file)\n";
    ssize_t w = write(2, a, sizeof a - 1);
    if (reading) w = write(2, reading, strlen(reading));
    w = write(2, b, sizeof b - 1);
    (void)w;
    if (have_part) unlink(part);
    _exit(2);
}

void pb_signals_reading(const char *path)
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
    } else if (!path && reading) {
        sigaction(SIGSEGV, &old_segv, NULL);
        sigaction(SIGBUS, &old_bus, NULL);
        reading = NULL;
    }
}
