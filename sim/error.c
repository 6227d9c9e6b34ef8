/* error.c: pb_raise and the error collector used by the scenario loader. */
#include "payback/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char file[256];
    int line, col, seq;
    char msg[512];
} pb_err_entry;

static struct {
    bool active;
    int count;
    pb_status worst;
    pb_err_entry e[PB_MAX_ERRORS];
    char files[8][256]; /* order in which files first appear, for sorting */
    int n_files;
} collector;

static int file_rank(const char *file)
{
    for (int i = 0; i < collector.n_files; i++)
        if (strcmp(collector.files[i], file) == 0) return i;
    if (collector.n_files < 8) {
        snprintf(collector.files[collector.n_files], sizeof collector.files[0], "%s", file);
        return collector.n_files++;
    }
    return 8;
}

static bool muted;

void pb_errors_mute(bool mute) { muted = mute; }

pb_status pb_raise(pb_status st, const pb_loc *at, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (collector.active) {
        if (st > collector.worst) collector.worst = st;
        if (collector.count < PB_MAX_ERRORS) {
            pb_err_entry *e = &collector.e[collector.count];
            snprintf(e->file, sizeof e->file, "%s", at && at->file ? at->file : "");
            e->line = at ? at->line : 0;
            e->col = at ? at->col : 0;
            e->seq = collector.count;
            snprintf(e->msg, sizeof e->msg, "%s", msg);
        }
        collector.count++;
        return st;
    }
    if (muted) return st;
    if (at && at->file && at->line > 0)
        fprintf(stderr, "%s:%d:%d: error: %s\n", at->file, at->line, at->col, msg);
    else if (at && at->file)
        fprintf(stderr, "%s: error: %s\n", at->file, msg);
    else
        fprintf(stderr, "payback: error: %s\n", msg);
    return st;
}

/* Warnings already printed: a sweep loads its scenario once a point, and
 * says each thing once. */
#define MAX_SEEN 64
static char seen[MAX_SEEN][160];
static int n_seen;

void pb_warn(const pb_loc *at, const char *fmt, ...)
{
    char msg[512], line[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (muted) return;
    if (at && at->file && at->line > 0) snprintf(line, sizeof line, "%s:%d:%d: warning: %s", at->file, at->line, at->col, msg);
    else snprintf(line, sizeof line, "payback: warning: %s", msg);
    for (int i = 0; i < n_seen; i++)
        if (!strncmp(seen[i], line, sizeof seen[i] - 1)) return;
    if (n_seen < MAX_SEEN) snprintf(seen[n_seen++], sizeof seen[0], "%.159s", line);
    fprintf(stderr, "%s\n", line);
}

void pb_errors_collect(void)
{
    memset(&collector, 0, sizeof collector);
    collector.active = true;
}

int pb_errors_count(void) { return collector.active ? collector.count : 0; }

pb_status pb_errors_worst(void) { return collector.active ? collector.worst : PB_OK; }

static int cmp_entry(const void *pa, const void *pb)
{
    const pb_err_entry *a = pa, *b = pb;
    int fa = file_rank(a->file), fb = file_rank(b->file);
    if (fa != fb) return fa < fb ? -1 : 1;
    if (a->line != b->line) return a->line < b->line ? -1 : 1;
    if (a->col != b->col) return a->col < b->col ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

int pb_errors_flush(void)
{
    int n = collector.count, kept = n < PB_MAX_ERRORS ? n : PB_MAX_ERRORS;
    /* Rank files by first appearance in raise order, before sorting. */
    for (int i = 0; i < kept; i++) file_rank(collector.e[i].file);
    qsort(collector.e, (size_t)kept, sizeof collector.e[0], cmp_entry);
    collector.active = false;
    for (int i = 0; i < kept; i++) {
        const pb_err_entry *e = &collector.e[i];
        pb_loc at = {e->file, e->line, e->col};
        pb_raise(PB_EINPUT, e->file[0] ? &at : NULL, "%s", e->msg);
    }
    if (n > kept)
        fprintf(stderr, "payback: error: %d more errors not shown\n", n - kept);
    return n;
}

int pb_exit_code(pb_status st)
{
    switch (st) {
    case PB_OK: return 0;
    case PB_EUSAGE:
    case PB_EINPUT: return 2;
    default: return 1;
    }
}
