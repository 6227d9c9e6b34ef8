/* stats.c: the streaming statistics of stats.h (pb_acc), its quantile
 * sketch and plans, and its state as bytes. */
#include "payback/stats.h"

#include <gmp.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SKETCH_SUB_BITS 9                  /* 512 buckets per power of two */
#define SKETCH_SUB (1 << SKETCH_SUB_BITS)
#define SKETCH_MIN_EXP (-30)               /* |x| < 2^-30 counts as zero */
#define EXACT_OFFSET 1126                  /* 2^1126 x is an integer for every double x */
#define PB_ACC_MAX_BLOCK 16384             /* the largest block pb_acc_alloc accepts */
#define TILE 8                             /* paths a cache line of one cell holds */
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define SKETCH_OCTAVES (1024 - SKETCH_MIN_EXP)  /* octaves from 2^-30 up to the largest double */

/* The counts of one sign.  Fine buckets lo .. lo + n - 1 (a range of whole
 * octaves with a plan, else growing to the values seen); with a plan, the
 * values outside it are counted per octave in `coarse`. */
typedef struct {
    uint16_t *h;        /* the low 16 bits of each fine bucket's count: what the hot loop touches */
    uint64_t *c;        /* the rest: count = c * 65536 + h (c is read and written only on a wrap) */
    int32_t lo, n;
    uint64_t *coarse;   /* [SKETCH_OCTAVES] with a plan, else NULL */
} store;

/* A fine bucket's count, and adding to it.  Two arrays so that the hot
 * increments touch 2 bytes a bucket, not 8: a quarter of the cache lines. */
static inline uint64_t cnt(const store *st, int32_t i) { return st->c[i] * 65536u + st->h[i]; }

static inline void cnt_add(store *st, int32_t i, uint64_t v)
{
    uint64_t t = cnt(st, i) + v;
    st->c[i] = t >> 16;
    st->h[i] = (uint16_t)(t & 0xffff);
}

/* Allocates the fine buckets of a store (zeroed); false when out of memory. */
static bool store_alloc(store *st, int32_t n)
{
    st->n = n;
    st->h = n ? calloc((size_t)n, sizeof *st->h) : NULL;
    st->c = n ? calloc((size_t)n, sizeof *st->c) : NULL;
    return !n || (st->h && st->c);
}

/* A sketch plan: for each cell and sign, the octaves that get fine buckets,
 * from a pilot of the run's first paths (the same paths whatever the
 * threads, ranks or parts), widened (store_plan).  Memory is then
 * fixed before the run and does not grow with its paths. */
struct pb_sketch_plan {
    int H, n_cells;
    int32_t *lo, *hi;   /* [n_cells][2]: octave index range seen, sign 0 negative, 1 positive */
};

typedef struct {
    int64_t n;              /* values added */
    double bsum, bsq;       /* this block's sums, in path order */
    int64_t bn;
    double min, max;
    mpz_t s1, s2;           /* exact sums of x and x^2, times 2^EXACT_OFFSET */
    store neg, pos;         /* sketch by |x|, for negative and positive values */
    int64_t zero;           /* |x| < 2^-30 */
    bool sketch;            /* year metrics need none: their histogram is exact */
} cell;

struct pb_acc {
    int start, H, n_cells;
    cell *cells;            /* [PB_N_SERIES * H + PB_N_METRICS] */
    int block_cap, block_n; /* the block buffer: values of up to block_cap paths, */
    size_t stride;          /* cell by cell, [n_cells][stride]: a flush visits each cell's
                             * sketch once, with its values together.  stride = block_cap + 8,
                             * not a power of two, or every cell of a path would fall in
                             * the same cache set. */
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

static inline int metric_cell(const pb_acc *a, int m) { return PB_N_SERIES * a->H + m; }

pb_sketch_plan *pb_sketch_plan_alloc(int n_years)
{
    pb_sketch_plan *p = calloc(1, sizeof *p);
    if (p) {
        p->H = n_years;
        p->n_cells = PB_N_SERIES * n_years + PB_N_METRICS;
        p->lo = malloc(2 * (size_t)p->n_cells * sizeof *p->lo);
        p->hi = malloc(2 * (size_t)p->n_cells * sizeof *p->hi);
    }
    if (!p || !p->lo || !p->hi) {
        pb_sketch_plan_free(p);
        pb_raise(PB_ENOMEM, NULL, "out of memory");
        return NULL;
    }
    for (int i = 0; i < 2 * p->n_cells; i++) { p->lo[i] = INT32_MAX; p->hi[i] = -1; }
    return p;
}

void pb_sketch_plan_free(pb_sketch_plan *p)
{
    if (!p) return;
    free(p->lo);
    free(p->hi);
    free(p);
}

static void plan_see(pb_sketch_plan *p, int k, double v)
{
    double av = fabs(v);
    if (!(av >= ldexp(1.0, SKETCH_MIN_EXP)) || isinf(av)) return;
    int e;
    frexp(av, &e); /* av in [2^(e-1), 2^e) */
    int32_t o = e - 1 - SKETCH_MIN_EXP, side = v > 0;
    if (o < p->lo[2 * k + side]) p->lo[2 * k + side] = o;
    if (o > p->hi[2 * k + side]) p->hi[2 * k + side] = o;
}

void pb_sketch_plan_observe(pb_sketch_plan *p, const pb_path_out *out)
{
    if (out->nonfinite) return;
    const int SH = PB_N_SERIES * p->H;
    for (int k = 0; k < SH; k++) plan_see(p, k, out->series[k]);
    for (int m = 0; m < PB_N_METRICS; m++)
        if (!pb_metric_is_year(m) && (m != PB_M_IRR || out->irr_kind == PB_IRR_ONE)) plan_see(p, SH + m, out->metric[m]);
}

void pb_sketch_plan_merge(pb_sketch_plan *into, const pb_sketch_plan *from)
{
    for (int i = 0; i < 2 * into->n_cells; i++) {
        if (from->lo[i] < into->lo[i]) into->lo[i] = from->lo[i];
        if (from->hi[i] > into->hi[i]) into->hi[i] = from->hi[i];
    }
}

/* Fixes a store to the plan's octaves, widened by `below` octaves toward
 * zero and 2 away from it (none if the pilot saw no value of this sign),
 * with coarse counts for the rest. */
static bool store_plan(store *st, int32_t lo, int32_t hi, int32_t below)
{
    if (!(st->coarse = calloc(SKETCH_OCTAVES, sizeof *st->coarse))) return false;
    if (hi < 0) return true;
    lo = lo > below ? lo - below : 0;
    hi = hi + 2 < SKETCH_OCTAVES ? hi + 2 : SKETCH_OCTAVES - 1;
    st->lo = lo * SKETCH_SUB;
    return store_alloc(st, (hi - lo + 1) * SKETCH_SUB);
}

/* How far a window reaches toward zero: a cell whose pilot values take both
 * signs crosses zero, where magnitudes thin out one octave at a time and a
 * quantile can fall well below the smallest pilot magnitude. */
static int32_t plan_below(const pb_sketch_plan *p, int k)
{
    return p->hi[2 * k] >= 0 && p->hi[2 * k + 1] >= 0 ? 10 : 2;
}

pb_acc *pb_acc_alloc(int start, int n_years, int block_paths, const pb_sketch_plan *plan)
{
    pb_acc *a = block_paths >= 1 && block_paths <= PB_ACC_MAX_BLOCK ? calloc(1, sizeof *a) : NULL;
    if (!a) goto fail;
    a->start = start;
    a->H = n_years;
    a->n_cells = PB_N_SERIES * n_years + PB_N_METRICS;
    a->block_cap = block_paths;
    /* A whole number of cache lines per cell, so that every cell's column
     * starts on a line; 8 more than the block, so that the columns do not
     * all fall in one cache set. */
    a->stride = ((size_t)block_paths + TILE - 1) / TILE * TILE + 8;
    mpz_init(a->tmp);
    if (!(a->cells = calloc((size_t)a->n_cells, sizeof *a->cells)) ||
        !(a->block = aligned_alloc(64, (size_t)a->n_cells * a->stride * sizeof *a->block)) ||
        !(a->tile = malloc((size_t)TILE * (size_t)a->n_cells * sizeof *a->tile)) ||
        !(a->closed = calloc((size_t)PB_N_METHODS * (size_t)n_years, sizeof *a->closed)) ||
        !(a->hist = calloc((size_t)PB_N_METRICS * (size_t)n_years, sizeof *a->hist)))
        goto fail;
    for (int k = 0; k < a->n_cells; k++) {
        cell *c = &a->cells[k];
        mpz_init(c->s1);
        mpz_init(c->s2);
        c->min = INFINITY;
        c->max = -INFINITY;
        c->sketch = !(k >= PB_N_SERIES * n_years && pb_metric_is_year(k - PB_N_SERIES * n_years));
        if (plan && c->sketch && (!store_plan(&c->neg, plan->lo[2 * k], plan->hi[2 * k], plan_below(plan, k)) ||
                                  !store_plan(&c->pos, plan->lo[2 * k + 1], plan->hi[2 * k + 1], plan_below(plan, k))))
            goto fail;
    }
    a->planned = plan != NULL;
    return a;
fail:
    pb_acc_free(a);
    pb_raise(PB_ENOMEM, NULL, "cannot allocate statistics for %d years", n_years);
    return NULL;
}

void pb_acc_free(pb_acc *a)
{
    if (!a) return;
    if (a->cells)
        for (int k = 0; k < a->n_cells; k++) {
            mpz_clear(a->cells[k].s1);
            mpz_clear(a->cells[k].s2);
            free(a->cells[k].neg.c);
            free(a->cells[k].pos.c);
            free(a->cells[k].neg.h);
            free(a->cells[k].pos.h);
            free(a->cells[k].neg.coarse);
            free(a->cells[k].pos.coarse);
        }
    mpz_clear(a->tmp);
    free(a->cells);
    free(a->block);
    free(a->tile);
    free(a->closed);
    free(a->hist);
    free(a);
}

/* Bucket of |x| >= 2^-30: its power of two and the top 10 bits of its
 * mantissa, read off the IEEE 754 representation. */
static inline int32_t bucket_of(double ax)
{
    uint64_t b;
    memcpy(&b, &ax, sizeof b);
    int32_t e = (int32_t)(b >> 52) - 1023;
    return (e - SKETCH_MIN_EXP) * SKETCH_SUB + (int32_t)((b >> (52 - SKETCH_SUB_BITS)) & (SKETCH_SUB - 1));
}

static double bucket_mid(int32_t idx)
{
    int e = idx / SKETCH_SUB + SKETCH_MIN_EXP, sub = idx % SKETCH_SUB;
    return ldexp(1.0 + (sub + 0.5) / SKETCH_SUB, e);
}

/* Makes the store cover [lo, hi); false when out of memory. */
static bool store_cover(store *st, int32_t lo, int32_t hi)
{
    if (st->n && lo >= st->lo && hi <= st->lo + st->n) return true;
    int32_t nlo = st->n ? (lo < st->lo ? lo : st->lo) : lo, nhi = st->n ? (hi > st->lo + st->n ? hi : st->lo + st->n) : hi;
    /* Grow by a power of two's worth of buckets beyond what is needed, so
     * that a slowly widening range costs few copies. */
    int32_t slack = SKETCH_SUB; /* one power of two */
    if (nlo < (st->n ? st->lo : lo)) nlo = nlo - slack < 0 ? 0 : nlo - slack;
    if (nhi > (st->n ? st->lo + st->n : hi)) nhi += slack;
    store grown = {0};
    if (!store_alloc(&grown, nhi - nlo)) { free(grown.h); free(grown.c); return false; }
    if (st->n) {
        memcpy(grown.c + (st->lo - nlo), st->c, (size_t)st->n * sizeof *st->c);
        memcpy(grown.h + (st->lo - nlo), st->h, (size_t)st->n * sizeof *st->h);
    }
    free(st->c);
    free(st->h);
    st->c = grown.c;
    st->h = grown.h;
    st->lo = nlo;
    st->n = nhi - nlo;
    return true;
}

/* Adds the n values x[0..n-1] of one block of one cell.  Sums run in four
 * interleaved partial sums (value i into sum i mod 4, combined as
 * (s0 + s1) + (s2 + s3)): a fixed order, so the same bits whatever thread
 * or process takes the block, and four chains instead of one long one.
 * The sketch is updated in a second loop, with the counters to increment
 * gathered first and prefetched a few ahead: a cell's buckets span up to
 * hundreds of kilobytes, so the increments are cache misses that must
 * overlap. */
static void cell_add_block(pb_acc *a, cell *c, const double *x, int n, bool skip_nonfinite)
{
    double s[4] = {0, 0, 0, 0}, q[4] = {0, 0, 0, 0}, mn = c->min, mx = c->max;
    int64_t added = 0;
    const double zero = ldexp(1.0, SKETCH_MIN_EXP);
    static _Thread_local int32_t idx[PB_ACC_MAX_BLOCK];
    int m = 0;
    int32_t lo[2] = {INT32_MAX, INT32_MAX}, hi[2] = {-1, -1}; /* per store: 0 neg, 1 pos (growing windows) */
    const bool planned = a->planned, sketch = c->sketch;
    /* The windows in locals: the coarse increments below could alias the
     * store structs as far as the compiler knows. */
    const int32_t wlo[2] = {c->neg.lo, c->pos.lo}, wn[2] = {c->neg.n, c->pos.n};
    uint64_t *const coarse[2] = {c->neg.coarse, c->pos.coarse};
    int64_t zeros = 0;
    for (int i = 0; i < n; i++) {
        const double v = x[i];
        if (skip_nonfinite && !isfinite(v)) continue; /* never (+inf), or no single IRR (NaN) */
        added++;
        s[i & 3] += v;
        q[i & 3] += v * v;
        mn = v < mn ? v : mn;
        mx = v > mx ? v : mx;
        if (!sketch) continue;
        const double av = fabs(v);
        if (av < zero) { zeros++; continue; } /* also keeps bucket indices >= 0 */
        const int32_t b = bucket_of(av), side = v > 0;
        if (planned) {
            /* A fixed window: values outside it count per octave. */
            if ((uint32_t)(b - wlo[side]) >= (uint32_t)wn[side]) { coarse[side][b / SKETCH_SUB]++; continue; }
        } else {
            lo[side] = b < lo[side] ? b : lo[side];
            hi[side] = b > hi[side] ? b : hi[side];
        }
        idx[m++] = side ? b : -1 - b; /* negative values as -1 - bucket */
    }
    c->zero += zeros;
    c->bsum += (s[0] + s[1]) + (s[2] + s[3]);
    c->bsq += (q[0] + q[1]) + (q[2] + q[3]);
    c->min = mn;
    c->max = mx;
    c->n += added;
    c->bn += added;
    if (m == 0) return;
    if (!planned && ((hi[0] >= 0 && !store_cover(&c->neg, lo[0], hi[0] + 1)) ||
                     (hi[1] >= 0 && !store_cover(&c->pos, lo[1], hi[1] + 1)))) {
        a->failed = true;
        return;
    }
    uint16_t *neg = c->neg.h - c->neg.lo, *pos = c->pos.h - c->pos.lo; /* indexable by bucket */
    enum { AHEAD = 16 };
    for (int i = 0; i < m; i++) {
        if (i + AHEAD < m) {
            int32_t j = idx[i + AHEAD];
            __builtin_prefetch(j >= 0 ? &pos[j] : &neg[-1 - j], 1, 3);
        }
        int32_t j = idx[i];
        store *st = j >= 0 ? &c->pos : &c->neg;
        uint16_t *h = j >= 0 ? &pos[j] : &neg[-1 - j];
        if (!++*h) st->c[(j >= 0 ? j : -1 - j) - st->lo]++; /* a wrap of the low 16 bits */
    }
}

/* Writes the tile's last `rows` paths into the block buffer, cell by
 * cell.  A full tile fills one cache line per cell, written whole and
 * past the caches (streaming stores): the buffer is read once, at the
 * flush, and a line written in pieces would first be read from memory. */
static void tile_out(pb_acc *a, int rows)
{
    const size_t base = (size_t)((a->block_n - 1) / TILE * TILE), C = (size_t)a->n_cells;
    for (size_t k = 0; k < C; k++) {
        double *dst = a->block + k * a->stride + base;
#ifdef __SSE2__
        if (rows == TILE) {
            for (int r = 0; r < TILE; r += 2)
                _mm_stream_pd(dst + r, _mm_set_pd(a->tile[(size_t)(r + 1) * C + k], a->tile[(size_t)r * C + k]));
            continue;
        }
#endif
        for (int r = 0; r < rows; r++) dst[r] = a->tile[(size_t)r * C + k];
    }
}

void pb_acc_add(pb_acc *a, const pb_path_out *out)
{
    if (out->nonfinite) { a->nonfinite++; return; }
    if (a->block_n == a->block_cap) pb_acc_flush(a); /* a block longer than promised */
    a->paths++;
    const int H = a->H, i = a->block_n++;
    const double *x = out->series;
    double *b = a->tile + (size_t)(i % TILE) * (size_t)a->n_cells; /* this path's row of the tile */
    memcpy(b, x, (size_t)PB_N_SERIES * (size_t)H * sizeof *x);
    for (int m = 0; m < PB_N_METHODS; m++)
        for (int t = 0; t < H; t++) a->closed[m * H + t] += x[(PB_S_GAP + m) * H + t] <= 0;
    for (int m = 0; m < PB_N_METRICS; m++) {
        double v = out->metric[m];
        if (m == PB_M_IRR && out->irr_kind != PB_IRR_ONE) {
            if (out->irr_kind == PB_IRR_NONE) a->irr_none++; else a->irr_multiple++;
            v = NAN;
        } else if (pb_metric_is_year(m)) {
            if (isinf(v)) a->never[m]++;
            else if ((int)v - a->start >= 0 && (int)v - a->start < H) a->hist[m * H + (int)v - a->start]++;
        }
        b[metric_cell(a, m)] = v;
    }
    if (a->block_n % TILE == 0) tile_out(a, TILE);
}

/* acc += x exactly: x = m 2^(e-53) with an integer m of 53 bits. */
static void exact_add(mpz_t acc, mpz_t tmp, double x)
{
    if (x == 0) return;
    int e;
    double f = frexp(x, &e);
    long m = (long)ldexp(f, 53);
    mpz_set_si(tmp, m);
    mpz_mul_2exp(tmp, tmp, (mp_bitcnt_t)(e - 53 + EXACT_OFFSET));
    mpz_add(acc, acc, tmp);
}

void pb_acc_flush(pb_acc *a)
{
    if (a->block_n % TILE) tile_out(a, a->block_n % TILE); /* the rest of the tile */
#ifdef __SSE2__
    _mm_sfence(); /* the streaming stores are done before the buffer is read */
#endif
    const int series_cells = PB_N_SERIES * a->H;
    for (int k = 0; k < a->n_cells && a->block_n > 0; k++)
        cell_add_block(a, &a->cells[k], a->block + (size_t)k * a->stride, a->block_n, k >= series_cells);
    a->block_n = 0;
    for (int k = 0; k < a->n_cells; k++) {
        cell *c = &a->cells[k];
        if (!c->bn) continue;
        exact_add(c->s1, a->tmp, c->bsum);
        exact_add(c->s2, a->tmp, c->bsq);
        c->bsum = c->bsq = 0;
        c->bn = 0;
    }
}

static bool store_merge(store *into, const store *from)
{
    if ((into->coarse == NULL) != (from->coarse == NULL)) return false; /* one planned, one not */
    if (from->coarse) {
        if (into->lo != from->lo || into->n != from->n) return false;  /* different plans */
        for (int o = 0; o < SKETCH_OCTAVES; o++) into->coarse[o] += from->coarse[o];
        for (int32_t i = 0; i < from->n; i++)
            if (from->h[i] || from->c[i]) cnt_add(into, i, cnt(from, i));
        return true;
    }
    if (!from->n) return true;
    /* Only the occupied part of `from` needs room. */
    int32_t lo = 0, hi = from->n;
    while (lo < hi && !cnt(from, lo)) lo++;
    while (hi > lo && !cnt(from, hi - 1)) hi--;
    if (lo == hi) return true;
    if (!store_cover(into, from->lo + lo, from->lo + hi)) return false;
    for (int32_t i = lo; i < hi; i++) cnt_add(into, from->lo + i - into->lo, cnt(from, i));
    return true;
}

pb_status pb_acc_merge(pb_acc *into, const pb_acc *from)
{
    if (from->failed) into->failed = true;
    into->paths += from->paths;
    into->nonfinite += from->nonfinite;
    into->irr_none += from->irr_none;
    into->irr_multiple += from->irr_multiple;
    for (int m = 0; m < PB_N_METRICS; m++) into->never[m] += from->never[m];
    for (int i = 0; i < PB_N_METHODS * into->H; i++) into->closed[i] += from->closed[i];
    for (int i = 0; i < PB_N_METRICS * into->H; i++) into->hist[i] += from->hist[i];
    for (int k = 0; k < into->n_cells; k++) {
        cell *c = &into->cells[k];
        const cell *f = &from->cells[k];
        c->n += f->n;
        mpz_add(c->s1, c->s1, f->s1);
        mpz_add(c->s2, c->s2, f->s2);
        if (f->min < c->min) c->min = f->min;
        if (f->max > c->max) c->max = f->max;
        c->zero += f->zero;
        if (!store_merge(&c->neg, &f->neg) || !store_merge(&c->pos, &f->pos))
            return into->planned != from->planned || into->planned
                       ? pb_raise(PB_EINTERNAL, NULL, "statistics with different sketch plans cannot be merged")
                       : pb_raise(PB_ENOMEM, NULL, "out of memory merging statistics");
    }
    return into->failed ? pb_raise(PB_ENOMEM, NULL, "out of memory in the quantile sketches") : PB_OK;
}

/* An exact integer (times 2^-shift) as a double. */
static double mpz_to_double(const mpz_t z, long shift)
{
    long e;
    double d = mpz_get_d_2exp(&e, z);
    return ldexp(d, (int)(e - shift));
}

static void cell_moments(const cell *c, double *mean, double *sd, double *se)
{
    if (c->n == 0) { *mean = *sd = *se = NAN; return; }
    double n = (double)c->n;
    *mean = mpz_to_double(c->s1, EXACT_OFFSET) / n;
    if (c->n == 1) { *sd = *se = 0; return; }
    /* n S2 - S1^2, exactly, over n (n - 1). */
    mpz_t t, u;
    mpz_init(t);
    mpz_init(u);
    mpz_mul_si(t, c->s2, (long)c->n);
    mpz_mul_2exp(t, t, EXACT_OFFSET);
    mpz_mul(u, c->s1, c->s1);
    mpz_sub(t, t, u);
    double var = mpz_sgn(t) <= 0 ? 0 : mpz_to_double(t, 2 * EXACT_OFFSET) / (n * (n - 1));
    mpz_clear(t);
    mpz_clear(u);
    *sd = sqrt(var);
    *se = *sd / sqrt(n);
}

/* The values of the 0-based ranks r[0..k-1] (ascending) of a sketched
 * cell: bucket midpoints, clamped to the exact min and max. */
/* Walks a cell's counts in value order, handing out the values of the
 * wanted 0-based ranks r[0..k-1] (ascending): a fine bucket's midpoint, or
 * for a coarse octave (outside the plan) the middle of the octave, flagged. */
typedef struct {
    const int64_t *r;
    int k, j;
    int64_t seen;
    double *out;
    bool *coarse;
} walker;

static void visit(walker *w, uint64_t count, double value, bool coarse)
{
    w->seen += (int64_t)count;
    while (w->j < w->k && w->r[w->j] < w->seen) {
        w->coarse[w->j] = coarse;
        w->out[w->j++] = value;
    }
}

static double octave_mid(int32_t o) { return ldexp(1.5, o + SKETCH_MIN_EXP); }

static void sketch_ranks(const cell *c, const int64_t *r, int k, double *out, bool *coarse)
{
    walker w = {r, k, 0, 0, out, coarse};
    const store *ng = &c->neg, *ps = &c->pos;
    const int32_t nlo = ng->lo / SKETCH_SUB, nhi = (ng->lo + ng->n) / SKETCH_SUB; /* octaves [nlo, nhi) are fine */
    const int32_t plo = ps->lo / SKETCH_SUB, phi = (ps->lo + ps->n) / SKETCH_SUB;
    /* Negative values, the most negative first. */
    if (ng->coarse)
        for (int32_t o = SKETCH_OCTAVES - 1; o >= (ng->n ? nhi : 0) && w.j < k; o--)
            if (ng->coarse[o]) visit(&w, ng->coarse[o], -octave_mid(o), true);
    for (int32_t i = ng->n - 1; i >= 0 && w.j < k; i--)
        if (cnt(ng, i)) visit(&w, cnt(ng, i), -bucket_mid(ng->lo + i), false);
    if (ng->coarse && ng->n)
        for (int32_t o = nlo - 1; o >= 0 && w.j < k; o--)
            if (ng->coarse[o]) visit(&w, ng->coarse[o], -octave_mid(o), true);
    visit(&w, (uint64_t)c->zero, 0, false);
    /* Positive values, the smallest first. */
    if (ps->coarse && ps->n)
        for (int32_t o = 0; o < plo && w.j < k; o++)
            if (ps->coarse[o]) visit(&w, ps->coarse[o], octave_mid(o), true);
    for (int32_t i = 0; i < ps->n && w.j < k; i++)
        if (cnt(ps, i)) visit(&w, cnt(ps, i), bucket_mid(ps->lo + i), false);
    if (ps->coarse)
        for (int32_t o = ps->n ? phi : 0; o < SKETCH_OCTAVES && w.j < k; o++)
            if (ps->coarse[o]) visit(&w, ps->coarse[o], octave_mid(o), true);
    while (w.j < k) { coarse[w.j] = false; out[w.j++] = c->max; }
    for (int j = 0; j < k; j++) out[j] = out[j] < c->min ? c->min : out[j] > c->max ? c->max : out[j];
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Type 7 quantiles and their order-statistic intervals from the sketch. */
static void sketch_quantiles(const pb_summary *s, const cell *c, double *q, double *lo, double *hi, int64_t *n_coarse)
{
    const int Q = s->n_quantiles;
    const int64_t n = c->n;
    if (n == 0) { for (int i = 0; i < Q; i++) q[i] = lo[i] = hi[i] = NAN; return; }
    int64_t want[4 * (PB_MAX_QUANTILES + 3)];
    int nw = 0;
    for (int i = 0; i < Q; i++) {
        double h = (double)(n - 1) * s->quantiles[i];
        int64_t k = (int64_t)floor(h), rl, rh;
        pb_quantile_ci_ranks(n, s->quantiles[i], &rl, &rh);
        want[nw++] = k;
        want[nw++] = k + 1 < n ? k + 1 : n - 1;
        want[nw++] = rl - 1;
        want[nw++] = rh - 1;
    }
    int64_t sorted[4 * (PB_MAX_QUANTILES + 3)];
    memcpy(sorted, want, (size_t)nw * sizeof *sorted);
    qsort(sorted, (size_t)nw, sizeof *sorted, cmp_i64);
    double vals[4 * (PB_MAX_QUANTILES + 3)];
    bool coarse[4 * (PB_MAX_QUANTILES + 3)];
    sketch_ranks(c, sorted, nw, vals, coarse);
    for (int i = 0; i < nw; i++) *n_coarse += coarse[i];
    for (int i = 0; i < Q; i++) {
        double v[4];
        for (int w = 0; w < 4; w++) {
            int64_t r = want[4 * i + w];
            int lo_i = 0, hi_i = nw - 1;
            while (lo_i < hi_i) { int mid = (lo_i + hi_i) / 2; if (sorted[mid] < r) lo_i = mid + 1; else hi_i = mid; }
            v[w] = vals[lo_i];
        }
        double h = (double)(n - 1) * s->quantiles[i], frac = h - floor(h);
        q[i] = frac == 0 || v[0] == v[1] ? v[0] : v[0] + frac * (v[1] - v[0]);
        lo[i] = n == 1 ? q[i] : v[2];
        hi[i] = n == 1 ? q[i] : v[3];
    }
}

/* Type 1 quantiles of a year metric from its histogram (exact): "never"
 * (+inf) ranks after every year. */
static void year_quantiles(const pb_summary *s, const int64_t *hist, int64_t n, double *q, double *lo, double *hi)
{
    for (int i = 0; i < s->n_quantiles; i++) {
        if (n == 0) { q[i] = lo[i] = hi[i] = NAN; continue; }
        double p = s->quantiles[i];
        int64_t k = (int64_t)ceil((double)n * p), rl, rh, ranks[3];
        if (k < 1) k = 1;
        if (k > n) k = n;
        pb_quantile_ci_ranks(n, p, &rl, &rh);
        ranks[0] = k; ranks[1] = n == 1 ? k : rl; ranks[2] = n == 1 ? k : rh;
        double *dst[3] = {&q[i], &lo[i], &hi[i]};
        for (int j = 0; j < 3; j++) {
            int64_t cum = 0;
            double v = INFINITY;
            for (int t = 0; t < s->n_years; t++) {
                cum += hist[t];
                if (cum >= ranks[j]) { v = s->start + t; break; }
            }
            *dst[j] = v;
        }
    }
}

pb_status pb_acc_finish(const pb_acc *a, pb_summary *s)
{
    if (a->failed) return pb_raise(PB_ENOMEM, NULL, "out of memory in the quantile sketches");
    const int H = a->H, Q = s->n_quantiles;
    s->coarse_series = s->coarse_metrics = 0;
    s->n = a->paths;
    s->nonfinite = a->nonfinite;
    for (int k = 0; k < PB_N_SERIES; k++) {
        pb_series_stats *ss = &s->series[k];
        for (int t = 0; t < H; t++) {
            const cell *c = &a->cells[k * H + t];
            cell_moments(c, &ss->mean[t], &ss->sd[t], &ss->se[t]);
            sketch_quantiles(s, c, ss->q + (size_t)t * Q, ss->q_lo + (size_t)t * Q, ss->q_hi + (size_t)t * Q,
                             &s->coarse_series);
        }
    }
    for (int m = 0; m < PB_N_METHODS; m++)
        for (int t = 0; t < H; t++) {
            int64_t k = a->closed[m * H + t];
            s->p_closed[m][t] = a->paths ? (double)k / (double)a->paths : NAN;
            pb_wilson(k, a->paths, &s->p_closed_lo[m][t], &s->p_closed_hi[m][t]);
        }
    s->irr_none = a->irr_none;
    s->irr_multiple = a->irr_multiple;
    for (int m = 0; m < PB_N_METRICS; m++) {
        pb_metric_stats *ms = &s->metric[m];
        const cell *c = &a->cells[metric_cell(a, m)];
        cell_moments(c, &ms->mean, &ms->sd, &ms->se);
        if (pb_metric_is_year(m)) {
            ms->never = a->never[m];
            memcpy(ms->hist, a->hist + (size_t)m * H, (size_t)H * sizeof *ms->hist);
            year_quantiles(s, ms->hist, a->paths, ms->q, ms->q_lo, ms->q_hi);
        } else {
            sketch_quantiles(s, c, ms->q, ms->q_lo, ms->q_hi, &s->coarse_metrics);
        }
    }
    return PB_OK;
}

/* ------------------------------------------------------------------ */
/* Packing                                                              */

typedef struct { unsigned char *p; size_t len, cap; bool oom; } wbuf;

static void put(wbuf *w, const void *x, size_t n)
{
    if (w->oom || n == 0) return;
    if (w->len + n > w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 1 << 16;
        while (cap < w->len + n) cap *= 2;
        unsigned char *q = realloc(w->p, cap);
        if (!q) { w->oom = true; return; }
        w->p = q;
        w->cap = cap;
    }
    memcpy(w->p + w->len, x, n);
    w->len += n;
}
#define PUT(w, v) put((w), &(v), sizeof(v))

typedef struct { const unsigned char *p; size_t len, at; bool bad; } rbuf;

static void get(rbuf *r, void *x, size_t n)
{
    if (r->bad || r->len - r->at < n) { r->bad = true; memset(x, 0, n); return; }
    memcpy(x, r->p + r->at, n);
    r->at += n;
}
#define GET(r, v) get((r), &(v), sizeof(v))

static void put_mpz(wbuf *w, const mpz_t z)
{
    int32_t sign = mpz_sgn(z);
    size_t count = 0;
    void *bytes = mpz_export(NULL, &count, -1, 1, 0, 0, z);
    uint32_t n = (uint32_t)count;
    PUT(w, sign);
    PUT(w, n);
    put(w, bytes, count);
    void (*freefunc)(void *, size_t);
    mp_get_memory_functions(NULL, NULL, &freefunc);
    if (bytes) freefunc(bytes, count);
}

static void get_mpz(rbuf *r, mpz_t z)
{
    int32_t sign;
    uint32_t n;
    GET(r, sign);
    GET(r, n);
    if (r->bad || r->len - r->at < n || n > (1u << 20)) { r->bad = true; mpz_set_ui(z, 0); return; }
    mpz_import(z, n, -1, 1, 0, 0, r->p + r->at);
    r->at += n;
    if (sign < 0) mpz_neg(z, z);
}

/* A store: its window, then each part's counts (fine buckets, then the
 * coarse octaves with a plan), sparse as (index, count) pairs or dense,
 * whichever is shorter. */
static void put_store(wbuf *w, const store *st)
{
    uint8_t coarse = st->coarse != NULL;
    PUT(w, st->lo);
    PUT(w, st->n);
    PUT(w, coarse);
    for (int part = 0; part < 1 + coarse; part++) {
        int32_t n = part ? SKETCH_OCTAVES : st->n;
        uint32_t nz = 0;
        for (int32_t i = 0; i < n; i++) nz += (part ? st->coarse[i] : cnt(st, i)) != 0;
        uint8_t dense = (uint64_t)nz * 12 > (uint64_t)n * 8;
        PUT(w, dense);
        if (!dense) PUT(w, nz);
        for (int32_t i = 0; i < n; i++) {
            uint64_t v = part ? st->coarse[i] : cnt(st, i);
            if (dense) PUT(w, v);
            else if (v) { PUT(w, i); PUT(w, v); }
        }
    }
}

static bool get_store(rbuf *r, store *st)
{
    uint8_t coarse;
    int32_t n_fine;
    GET(r, st->lo);
    GET(r, n_fine);
    GET(r, coarse);
    if (r->bad || st->lo < 0 || n_fine < 0 || n_fine > SKETCH_OCTAVES * SKETCH_SUB) return false;
    if (!store_alloc(st, n_fine)) return false;
    if (coarse && !(st->coarse = calloc(SKETCH_OCTAVES, sizeof *st->coarse))) return false;
    for (int part = 0; part < 1 + coarse; part++) {
        int32_t n = part ? SKETCH_OCTAVES : st->n;
        uint8_t dense;
        uint32_t nz = 0;
        GET(r, dense);
        if (!dense) GET(r, nz);
        for (uint32_t k = 0; k < (dense ? (uint32_t)n : nz) && !r->bad; k++) {
            int32_t i = (int32_t)k;
            uint64_t v;
            if (!dense) GET(r, i);
            GET(r, v);
            if (i < 0 || i >= n) { r->bad = true; break; }
            if (part) st->coarse[i] = v;
            else cnt_add(st, i, v);
        }
    }
    return !r->bad;
}

static const char pack_magic[8] = "PBACC03";

pb_status pb_acc_pack(const pb_acc *a, void **buf, size_t *len)
{
    wbuf w = {0};
    const int32_t start = a->start, H = a->H, n_cells = a->n_cells;
    const uint8_t planned = a->planned;
    put(&w, pack_magic, sizeof pack_magic);
    PUT(&w, start);
    PUT(&w, H);
    PUT(&w, n_cells);
    PUT(&w, planned);
    PUT(&w, a->paths);
    PUT(&w, a->nonfinite);
    PUT(&w, a->irr_none);
    PUT(&w, a->irr_multiple);
    put(&w, a->never, sizeof a->never);
    put(&w, a->closed, (size_t)PB_N_METHODS * (size_t)H * sizeof *a->closed);
    put(&w, a->hist, (size_t)PB_N_METRICS * (size_t)H * sizeof *a->hist);
    for (int k = 0; k < n_cells; k++) {
        const cell *c = &a->cells[k];
        const uint8_t sk = c->sketch;
        PUT(&w, c->n);
        PUT(&w, c->zero);
        PUT(&w, c->min);
        PUT(&w, c->max);
        PUT(&w, sk);
        put_mpz(&w, c->s1);
        put_mpz(&w, c->s2);
        put_store(&w, &c->neg);
        put_store(&w, &c->pos);
    }
    if (w.oom) { free(w.p); return pb_raise(PB_ENOMEM, NULL, "out of memory packing statistics"); }
    *buf = w.p;
    *len = w.len;
    return PB_OK;
}

pb_acc *pb_acc_unpack(const void *buf, size_t len, int block_paths, pb_status *st)
{
    rbuf r = {buf, len, 0, false};
    char magic[8];
    int32_t start, H, n_cells;
    uint8_t planned;
    get(&r, magic, sizeof magic);
    GET(&r, start);
    GET(&r, H);
    GET(&r, n_cells);
    GET(&r, planned);
    if (r.bad || memcmp(magic, pack_magic, sizeof magic) != 0 || H < 1 || H > PB_MAX_YEARS ||
        n_cells != PB_N_SERIES * H + PB_N_METRICS) {
        *st = pb_raise(PB_EINPUT, NULL, "the statistics state is not one this payback wrote (format %s)", pack_magic);
        return NULL;
    }
    pb_acc *a = pb_acc_alloc(start, H, block_paths, NULL);
    if (!a) { *st = PB_ENOMEM; return NULL; }
    a->planned = planned;
    GET(&r, a->paths);
    GET(&r, a->nonfinite);
    GET(&r, a->irr_none);
    GET(&r, a->irr_multiple);
    get(&r, a->never, sizeof a->never);
    get(&r, a->closed, (size_t)PB_N_METHODS * (size_t)H * sizeof *a->closed);
    get(&r, a->hist, (size_t)PB_N_METRICS * (size_t)H * sizeof *a->hist);
    bool ok = !r.bad;
    for (int k = 0; k < n_cells && ok; k++) {
        cell *c = &a->cells[k];
        uint8_t sk;
        GET(&r, c->n);
        GET(&r, c->zero);
        GET(&r, c->min);
        GET(&r, c->max);
        GET(&r, sk);
        c->sketch = sk;
        get_mpz(&r, c->s1);
        get_mpz(&r, c->s2);
        ok = get_store(&r, &c->neg) && get_store(&r, &c->pos) && !r.bad;
    }
    if (!ok || r.at != len) {
        pb_acc_free(a);
        *st = pb_raise(PB_EINPUT, NULL, "the statistics state is damaged (%s)", r.bad ? "truncated" : "trailing bytes");
        return NULL;
    }
    *st = PB_OK;
    return a;
}

pb_acc *pb_acc_alloc_like(const pb_acc *model, int block_paths)
{
    pb_acc *a = pb_acc_alloc(model->start, model->H, block_paths, NULL);
    if (!a) return NULL;
    a->planned = model->planned;
    for (int k = 0; k < a->n_cells; k++) {
        const cell *m = &model->cells[k];
        cell *c = &a->cells[k];
        const store *ms[2] = {&m->neg, &m->pos};
        store *cs[2] = {&c->neg, &c->pos};
        for (int s = 0; s < 2; s++) {
            cs[s]->lo = ms[s]->lo;
            cs[s]->n = ms[s]->n;
            if (!store_alloc(cs[s], ms[s]->n) ||
                (ms[s]->coarse && !(cs[s]->coarse = calloc(SKETCH_OCTAVES, sizeof(uint64_t))))) {
                pb_acc_free(a);
                pb_raise(PB_ENOMEM, NULL, "out of memory");
                return NULL;
            }
        }
    }
    return a;
}
