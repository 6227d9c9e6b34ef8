/* error.h: one status enum and one error-raising path for all of payback.
 *
 * Every error is reported through pb_raise(), which prints one line to stderr
 * ("FILE:LINE:COL: error: MESSAGE", interfaces.md §2) unless a collector is
 * active, in which case the line is kept so that the scenario loader can sort
 * and print up to PB_MAX_ERRORS of them at once.  A breakpoint in pb_raise
 * sees every error.  Only main.c turns a status into an exit code. */
#ifndef PB_ERROR_H
#define PB_ERROR_H

#include <stdbool.h>

/* The statuses, in order of severity: where several errors meet (the
 * errors of one file, the ranks of a job in pb_par_agree), the largest
 * wins, so that a runtime failure (exit 1) is never reported as bad input
 * (exit 2), which it may have caused. */
typedef enum {
    PB_OK = 0,
    PB_EUSAGE,    /* bad command line: exit 2 */
    PB_EINPUT,    /* bad scenario or input file: exit 2 */
    PB_EIO,       /* cannot read or write a file at run time: exit 1 */
    PB_ENOMEM,    /* out of memory: exit 1 */
    PB_EINTERNAL  /* a bug or numerical failure: exit 1 */
} pb_status;

/* A position in an input: file name (or "--set"), 1-based line and column.
 * line = 0 means "no position" (usage errors, runtime errors). */
typedef struct {
    const char *file;
    int line, col;
} pb_loc;

#define PB_MAX_ERRORS 20

/* Reports an error and returns st.  at may be NULL (no position).  With a
 * collector active (pb_errors_collect), the message is stored instead of
 * printed; at most PB_MAX_ERRORS are kept, the rest are only counted. */
pb_status pb_raise(pb_status st, const pb_loc *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A warning: "FILE:LINE:COL: warning: MESSAGE" (or "payback: warning:")
 * on stderr at once, whatever --quiet says, each distinct one once per
 * process; nothing on muted ranks.  It changes no status. */
void pb_warn(const pb_loc *at, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Starts collecting errors instead of printing them. */
void pb_errors_collect(void);
/* Prints the collected errors sorted by (file order of appearance, line,
 * column), stable, then stops collecting.  Returns how many were raised
 * (including any beyond PB_MAX_ERRORS, which are summarised in one line). */
int pb_errors_flush(void);
/* Number of errors raised since collection started (0 when not collecting). */
int pb_errors_count(void);
/* The most severe status raised since collection started (PB_OK if none). */
pb_status pb_errors_worst(void);

/* With mute set, pb_raise prints nothing (other MPI ranks than 0 while
 * they read the same input as rank 0, so that an input error shows once). */
void pb_errors_mute(bool mute);

/* Exit status for a status: 0, 1 or 2 (interfaces.md §2). */
int pb_exit_code(pb_status st);

#endif
