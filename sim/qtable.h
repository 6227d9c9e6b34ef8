/* qtable.h (private to sim/): a law's quantile at a normal score,
 * tabulated, for the draws of beta, PERT, gamma and truncated-normal laws
 * (docs/model.md, "Random numbers").
 *
 * A correlated member's value is Q(Phi(y)) for its normal score y; an
 * uncorrelated draw is Q(Phi(y)) for a ziggurat normal y.  For these laws
 * that is an iterative inverse CDF (pb_param_quantile_z, about a
 * microsecond a value: most of a path's draws before this table).  The table holds g(y) = Q(Phi(y)) at nodes
 * h = 1/256 apart on [-8.5, 8.5] (Phi(-8.5) = 1e-17) and interpolates
 * with the cubic through the four nearest nodes, clamped between the two
 * around y, so that it stays inside the law's support and nondecreasing
 * up to a few units in the last place.
 * Measured error: below 1e-10 of the law's sd (tests/test_draws.c
 * checks it against pb_param_quantile_z); outside the nodes, and for laws
 * whose quantile is closed-form, the exact value is computed instead. */
#ifndef PB_QTABLE_H
#define PB_QTABLE_H

#include "payback/error.h"
#include "payback/param.h"

#define PB_QTABLE_PER_UNIT 256   /* nodes per unit of y */
#define PB_QTABLE_Y 8.5          /* the table covers [-Y, Y) */

typedef struct {
    const pb_param *p;  /* the law (borrowed: it must outlive the table) */
    double *g;          /* [n + 3] g at -Y + (j - 1) h, j = 0 .. n + 2, or NULL: no table (owned) */
    int n;              /* intervals: 2 Y PB_QTABLE_PER_UNIT */
} pb_qtable;

/* Whether p's quantile is iterative (beta, PERT, gamma, truncated normal):
 * the laws that get a table. */
bool pb_qtable_wanted(const pb_param *p);

/* Allocates the table of p when its quantile is iterative (t->g = NULL
 * otherwise); pb_qtable_fill computes it.  PB_ENOMEM (raised) when out of
 * memory. */
pb_status pb_qtable_init(pb_qtable *t, const pb_param *p);

/* Computes the nodes of the tables t[0 .. n_tables-1] (made by
 * pb_qtable_init) on `threads` threads: the same values for any number. */
void pb_qtable_fill(pb_qtable *t, int n_tables, int threads);

/* Q(Phi(y)): from the table inside [-Y, Y), else pb_param_quantile_z. */
double pb_qtable_value(const pb_qtable *t, double y);

void pb_qtable_free(pb_qtable *t);

#endif
