/* acc_internal.h (private to sim/): the layout of the streaming accumulator
 * (stats.h's pb_acc), shared by acc.c, which fills and reads it, and
 * pack.c, which writes it as bytes and reads it back.
 *
 * A pb_acc has one cell per series-year and metric:
 * cells [k * H + t] for series k and year t, then [PB_N_SERIES * H + m]
 * for metric m (metric_cell). */
#ifndef PB_ACC_INTERNAL_H
#define PB_ACC_INTERNAL_H

#include <gmp.h>

#include "payback/stats.h"
#include "sketch.h"

#define EXACT_OFFSET 1126       /* 2^1126 x is an integer for every double x */
#define PB_ACC_MAX_BLOCK 16384  /* the largest block pb_acc_alloc accepts */
#define TILE 8                  /* paths a cache line of one cell holds */
/* Paths buffered before their values go into the cells: the buffer
 * (PB_ACC_SUB x 409 values for the baseline, 0.8 MB) stays in the
 * second-level cache; a block's sums run on across its sub-blocks. */
#define PB_ACC_SUB 256

typedef struct {
    int64_t n;              /* values added */
    double ps[4], pq[4];    /* this block's sums of x and x^2 so far: value i of the block into i mod 4 */
    bool exact;             /* this block's double sums overflowed: its later values go one by one into s1, s2 */
    int64_t bn;             /* values in this block */
    double min, max;
    mpz_t s1, s2;           /* exact sums of x and x^2, times 2^EXACT_OFFSET */
    sketch sk;              /* the quantile sketch (empty if !sketched) */
    bool sketched;          /* year metrics need none: their histogram is exact */
} cell;

struct pb_acc {
    int start, H, n_cells;
    cell *cells;            /* [PB_N_SERIES * H + PB_N_METRICS] */
    int block_cap;          /* paths a block may have (pb_acc_flush ends it) */
    int block_paths;        /* paths added in this block */
    int sub_cap, block_n;   /* the buffer: values of up to sub_cap paths, */
    size_t stride;          /* cell by cell, [n_cells][stride]: a drain visits each cell's
                             * sketch once, with its values together.  stride = sub_cap
                             * rounded up to whole cache lines, + 8: not a power of two, or
                             * every cell of a path would fall in the same cache set. */
    double *block;          /* 64-byte aligned */
    double *tile;           /* [TILE][n_cells]: the last paths' values, row by row, until a
                             * whole cache line per cell can be written (pb_acc_add) */
    int64_t paths, nonfinite;
    int64_t *closed;        /* [PB_N_METHODS * H] paths with G <= 0 */
    int64_t *hist;          /* [PB_N_METRICS * H] year-metric histograms */
    int64_t never[PB_N_METRICS];
    int64_t irr_none, irr_multiple;
    mpz_t tmp;
    bool failed;            /* a sketch could not grow */
    bool planned;           /* sketch windows fixed by a plan */
};

/* The cell of metric m. */
static inline int metric_cell(const pb_acc *a, int m) { return PB_N_SERIES * a->H + m; }

#endif
