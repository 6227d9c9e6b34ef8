/* compare_out.h (private): the file and the table of `payback compare`
 * (docs/cli.md and docs/output.md, "compare"). */
#ifndef PB_COMPARE_OUT_H
#define PB_COMPARE_OUT_H

#include <stdio.h>

#include "payback/compare.h"
#include "payback/output.h"

/* What the file and table say about B beside A's pb_run_info. */
typedef struct {
    const pb_scenario *sc;      /* B as run (its text after --set and --set-b) */
    char *const *overrides_b;   /* the --set-b arguments */
    int n_overrides_b;
} pb_compare_b;

/* Writes path (as .part, renamed on success; nothing left on failure):
 * the root attributes of a run plus B's, groups /a, /b, /diff.  PB_OK, or
 * PB_EIO / PB_ENOMEM after pb_raise. */
pb_status pb_compare_write(const char *path, const pb_run_info *info, const pb_compare_b *b,
                           const pb_compare_result *r);

/* The table on f: per target year and method the gap's medians in A and
 * B, mean Δ with its paired and unpaired se; then NPV, the levelised bar,
 * peak burn, understated depreciation and the payback years' joint counts. */
void pb_compare_print(FILE *f, const pb_run_info *info, const pb_compare_b *b, const pb_compare_result *r);

#endif
