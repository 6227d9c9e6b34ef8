/* signals.c: an interrupted payback leaves nothing behind (signals.h). */
#define _POSIX_C_SOURCE 200809L
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
