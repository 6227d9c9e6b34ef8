/* sketch.h (private to sim/): the quantile sketch of one cell of the
 * streaming accumulator (acc.c), and its plan (stats.h's pb_sketch_plan).
 *
 * A sketch counts values in log-spaced buckets, SKETCH_SUB per power of two
 * (relative width at most 2^-9), so that a bucket's midpoint is within
 * 2^-10 = 0.098 % of any value in it; |x| < 2^-30 counts as zero.  Counts
 * are integers, so sketches merge exactly in any order.
 *
 * Bucket indices: a value with |x| in [2^e, 2^(e+1)) falls in octave
 * o = e - SKETCH_MIN_EXP (0 .. SKETCH_OCTAVES-1) and bucket
 * o * SKETCH_SUB + (the top SKETCH_SUB_BITS bits of its mantissa).
 * Negative and positive values are counted apart, by |x|.
 *
 * The hot increments live in acc.c (they are the per-path cost); what they
 * need (bucket_of, cnt, cnt_add and the layout of a store) is here, inline. */
#ifndef PB_SKETCH_H
#define PB_SKETCH_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "payback/stats.h"

#define SKETCH_SUB_BITS 9                       /* 512 buckets per power of two */
#define SKETCH_SUB (1 << SKETCH_SUB_BITS)
#define SKETCH_MIN_EXP (-30)                    /* |x| < 2^-30 counts as zero */
#define SKETCH_OCTAVES (1024 - SKETCH_MIN_EXP)  /* octaves from 2^-30 up to the largest double */

/* The counts of one sign.  Fine buckets lo .. lo + n - 1 (a range of whole
 * octaves with a plan, else growing to the values seen); with a plan, the
 * values outside it are counted per octave in `coarse`.  The store owns its
 * arrays (freed by sketch_free). */
typedef struct {
    uint16_t *h;        /* [n] the low 16 bits of each fine bucket's count: what the hot loop touches */
    uint64_t *c;        /* [n] the rest: count = c * 65536 + h (c is read and written only on a wrap) */
    int32_t lo, n;      /* bucket index of h[0] and c[0]; number of fine buckets */
    uint64_t *coarse;   /* [SKETCH_OCTAVES] with a plan, else NULL */
} store;

/* A cell's sketch: values by sign, and those too small to bucket.
 *
 * Made from a plan (sketch_apply_plan, sketch_alloc_like), a sketch keeps
 * all its hot counters in one array, so that the counting loop of acc.c
 * needs one index a value and no branch: `hot` holds the low 16 bits of
 * the negative window's fine buckets (neg.h points at hot[0]), then the
 * positive window's (pos.h), then this block's count of zeros, of
 * negative values by octave outside the window, and of positive ones
 * (SKETCH_HOT_EXTRA slots).  Those last ones are added to zero and coarse
 * at the end of every block (sketch_fold): a block has at most 16,384
 * values, so they never wrap.  `carry` holds the fine buckets' upper bits
 * (neg.c, pos.c point into it). */
typedef struct {
    store neg, pos;     /* by |x|, for negative and positive values */
    int64_t zero;       /* |x| < 2^-30 */
    uint16_t *hot;      /* [neg.n + pos.n + SKETCH_HOT_EXTRA] with a plan's layout, else NULL (owned) */
    uint64_t *carry;    /* [neg.n + pos.n] (at least 1) with a plan's layout, else NULL (owned) */
} sketch;

#define SKETCH_HOT_EXTRA (1 + 2 * SKETCH_OCTAVES) /* zeros, negative and positive octaves */

/* A fine bucket's count, and adding to it.  Two arrays so that the hot
 * increments touch 2 bytes a bucket, not 8: a quarter of the cache lines.
 * i is relative to the store's window (0 .. st->n - 1). */
static inline uint64_t cnt(const store *st, int32_t i) { return st->c[i] * 65536u + st->h[i]; }

static inline void cnt_add(store *st, int32_t i, uint64_t v)
{
    uint64_t t = cnt(st, i) + v;
    st->c[i] = t >> 16;
    st->h[i] = (uint16_t)(t & 0xffff);
}

/* Bucket of |x| >= 2^-30 (ax = |x|, finite): its power of two and the top
 * SKETCH_SUB_BITS bits of its mantissa, read off the IEEE 754
 * representation. */
static inline int32_t bucket_of(double ax)
{
    uint64_t b;
    memcpy(&b, &ax, sizeof b);
    int32_t e = (int32_t)(b >> 52) - 1023;
    return (e - SKETCH_MIN_EXP) * SKETCH_SUB + (int32_t)((b >> (52 - SKETCH_SUB_BITS)) & (SKETCH_SUB - 1));
}

/* Allocates n zeroed fine buckets for st (st->lo is left to the caller);
 * false when out of memory (what was allocated stays in st, for
 * sketch_free). */
bool sketch_store_alloc(store *st, int32_t n);

/* Makes a store without a plan cover the buckets [lo, hi), growing with
 * some slack; false when out of memory (st is then unchanged). */
bool sketch_store_cover(store *st, int32_t lo, int32_t hi);

/* Fixes the windows of cell k's sketch (a zeroed sketch) to plan p; false
 * when out of memory. */
bool sketch_apply_plan(sketch *sk, const pb_sketch_plan *p, int k);

/* A zeroed sketch with the windows of model (sk zeroed before); false when
 * out of memory. */
bool sketch_alloc_like(sketch *sk, const sketch *model);

/* into += from, exactly.  False if one is planned and the other is not, if
 * their plans differ, or when out of memory. */
bool sketch_merge(sketch *into, const sketch *from);

/* Adds the block's zero and out-of-window counts of a sketch with a
 * plan's layout to zero and coarse, and clears them (nothing otherwise). */
void sketch_fold(sketch *sk);

/* Frees a sketch's arrays (the struct itself belongs to the caller). */
void sketch_free(sketch *sk);

/* Type 7 quantiles of s's levels, and their order-statistic intervals
 * (model.md §9), of the n values a sketch counted, whose exact min and max
 * are known: q, lo, hi [s->n_quantiles].  Adds to *n_coarse the number of
 * looked-up values that fell in a coarse octave (known only to their power
 * of two). */
void sketch_quantiles(const pb_summary *s, const sketch *sk, int64_t n, double min, double max, double *q,
                      double *lo, double *hi, int64_t *n_coarse);

#endif
