/* qtable.c: a law's quantile at a normal score, tabulated (qtable.h). */
#include "qtable.h"

#include <math.h>
#include <stdlib.h>

bool pb_qtable_wanted(const pb_param *p)
{
    switch (p->dist) {
    case PB_DIST_PERT:
    case PB_DIST_BETA:
    case PB_DIST_GAMMA: return true;
    case PB_DIST_NORMAL: return p->v[1] > 0 && !(isinf(p->v[2]) && isinf(p->v[3]));
    default: return false;
    }
}

pb_status pb_qtable_init(pb_qtable *t, const pb_param *p)
{
    t->p = p;
    t->g = NULL;
    t->n = (int)(2 * PB_QTABLE_Y * PB_QTABLE_PER_UNIT);
    if (pb_qtable_wanted(p) && !(t->g = malloc((size_t)(t->n + 3) * sizeof *t->g)))
        return pb_raise(PB_ENOMEM, NULL, "cannot allocate the quantile table of a parameter's law");
    return PB_OK;
}

void pb_qtable_fill(pb_qtable *t, int n_tables, int threads)
{
    /* Every node on its own (an iterative inverse CDF, about a microsecond):
     * the same value on any thread, so the nodes of all tables are one
     * loop, split between the threads. */
    if (n_tables <= 0) return;
    const long per = (long)t[0].n + 3, total = per * n_tables; /* every table has the same nodes (pb_qtable_init) */
#pragma omp parallel for num_threads(threads > 1 ? threads : 1) schedule(static) default(none) shared(t, total, per)
    for (long i = 0; i < total; i++) {
        pb_qtable *q = &t[i / per];
        const long j = i % per;
        if (q->g) q->g[j] = pb_param_quantile_z(q->p, -PB_QTABLE_Y + (double)(j - 1) / PB_QTABLE_PER_UNIT);
    }
}

double pb_qtable_value(const pb_qtable *t, double y)
{
    if (!t->g || !(y >= -PB_QTABLE_Y && y < PB_QTABLE_Y)) return pb_param_quantile_z(t->p, y);
    const double s = (y + PB_QTABLE_Y) * PB_QTABLE_PER_UNIT;
    int i = (int)s;
    if (i > t->n - 1) i = t->n - 1; /* y just below Y rounding up to n */
    const double u = s - i, *g = t->g + i;
    const double d0 = g[1] - g[0], d1 = g[2] - g[1], d2 = g[3] - g[2];
    /* Where rounding makes the nodes a staircase (steps of an ulp, or none:
     * the far tails of a law with a finite end), a cubic would wiggle
     * between them; there the straight line, nondecreasing and within an
     * ulp.  Elsewhere the three steps differ by a few per cent at most. */
    if (!(d0 > 0 && d1 > 0 && d2 > 0 && d0 < 1.5 * d1 && d1 < 1.5 * d0 && d2 < 1.5 * d1 && d1 < 1.5 * d2))
        return g[1] + u * d1;
    /* Lagrange's cubic through the nodes at u = -1, 0, 1, 2. */
    const double um = u - 1, u2 = u - 2, up = u + 1;
    double x = -u * um * u2 / 6 * g[0] + up * um * u2 / 2 * g[1] - up * u * u2 / 2 * g[2] + up * u * um / 6 * g[3];
    return x < g[1] ? g[1] : x > g[2] ? g[2] : x;
}

void pb_qtable_free(pb_qtable *t)
{
    free(t->g);
    t->g = NULL;
}
