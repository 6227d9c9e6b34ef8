/* vary.h (private): the --vary option of sweep and solve (interfaces.md §4).
 *
 * `--vary PATH=LO:HI:STEP` or `--vary PATH=V1,V2,...` (sweep) and
 * `--vary PATH=LO:HI` (solve) name one parameter by its dotted path, as
 * --set spells it, and the values it takes as a fixed value.  Errors are
 * raised at the option's position, "--vary:N:COL" (N: the N-th --vary,
 * COL: 1-based column in its argument). */
#ifndef PB_VARY_H
#define PB_VARY_H

#include <stdbool.h>
#include <stddef.h>

#include "payback/scenario.h"

#define PB_SWEEP_MAX_POINTS 10000 /* interfaces.md §4: the largest sweep grid */

typedef struct {
    char path[160];   /* dotted path */
    int pos;          /* 1-based: the pos-th --vary */
    int n;            /* values */
    double *v;        /* [n] (owned): the grid, or {LO, HI} for solve */
    int *col;         /* [n] (owned): the column of the text each value comes from */
} pb_vary;

/* Parses arg, the pos-th --vary.  range_only: solve's LO:HI (LO < HI);
 * else sweep's LO:HI:STEP (STEP > 0; HI is included when the grid lands
 * within 1e-9 STEP of it) or V1,V2,...  A grid of more than
 * PB_SWEEP_MAX_POINTS values is refused before it is made.  PB_EUSAGE
 * (raised) when bad, PB_ENOMEM when out of memory. */
pb_status pb_vary_parse(const char *arg, int pos, bool range_only, pb_vary *v);
void pb_vary_clear(pb_vary *v); /* accepts a zeroed or cleared pb_vary */

/* Checks the varied parameters against sc (the scenario after --set): each
 * is a parameter the model uses (payback params), none is varied twice,
 * and every value lies in its domain.  PB_EUSAGE (raised at the value)
 * otherwise. */
pb_status pb_vary_check(const pb_vary *v, int nv, pb_scenario *sc);

/* "PATH=VALUE" for value x (%.17g, so that the value read back is x). */
void pb_vary_set_text(const pb_vary *v, double x, char *buf, size_t len);

/* Raises an error at the value i of v (its column), returning PB_EUSAGE. */
pb_status pb_vary_error(const pb_vary *v, int i, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
