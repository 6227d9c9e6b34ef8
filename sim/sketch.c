/* sketch.c: the quantile sketch (sketch.h) outside the hot loop: plans,
 * windows, merging, and quantiles read back from the counts. */
#include "sketch.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Plans                                                                */

/* A sketch plan: for each cell and sign, the octaves that get fine buckets,
 * from a pilot of the run's first paths (the same paths whatever the
 * threads, ranks or parts).  Memory is then fixed before the run and does
 * not grow with its paths.  Each pilot path is kept as a row of classes,
 * one per cell (negative octaves from the largest magnitude down, zero,
 * positive octaves upward; NO_CLASS for a value the sketch does not
 * take): rows merge by concatenation, so a merged plan is the same in any
 * order, its memory is that of the pilot's paths (at most PB_PILOT rows of
 * 2 bytes a cell: 3.3 MB for the baseline, whatever the threads), and the
 * windows can be focused on the ranks where the reported quantiles will
 * fall (pb_sketch_plan_focus). */
#define PLAN_CLASSES (2 * SKETCH_OCTAVES + 1)
#define ZERO_CLASS SKETCH_OCTAVES
#define NO_CLASS UINT16_MAX

struct pb_sketch_plan {
    int H, n_cells;
    int32_t *lo, *hi;   /* [n_cells][2]: octave index range seen, sign 0 negative, 1 positive */
    uint16_t *row;      /* [n_rows][n_cells]: the class of each pilot value */
    int64_t n_rows, cap_rows;
    bool failed;        /* a row could not be stored: out of memory (pb_sketch_plan_focus reports it) */
    bool dropped;       /* focused, and the rows freed: only the windows are left */
    int32_t *wlo, *whi; /* [n_cells][2]: focused windows (octaves, margins included), or NULL */
};

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

static void unfocus(pb_sketch_plan *p)
{
    free(p->wlo);
    free(p->whi);
    p->wlo = p->whi = NULL;
}

void pb_sketch_plan_free(pb_sketch_plan *p)
{
    if (!p) return;
    free(p->lo);
    free(p->hi);
    free(p->row);
    unfocus(p);
    free(p);
}

/* Room for n more rows; false (and p->failed) when out of memory. */
static bool plan_reserve(pb_sketch_plan *p, int64_t n)
{
    if (p->n_rows + n <= p->cap_rows) return true;
    int64_t cap = p->cap_rows ? 2 * p->cap_rows : 64;
    if (cap < p->n_rows + n) cap = p->n_rows + n;
    uint16_t *r = realloc(p->row, (size_t)cap * (size_t)p->n_cells * sizeof *r);
    if (!r) {
        p->failed = true;
        return false;
    }
    p->row = r;
    p->cap_rows = cap;
    return true;
}

/* The class of v, which also widens the octave range seen of cell k. */
static uint16_t plan_see(pb_sketch_plan *p, int k, double v)
{
    double av = fabs(v);
    if (isnan(av) || isinf(av)) return NO_CLASS;
    if (!(av >= ldexp(1.0, SKETCH_MIN_EXP))) return ZERO_CLASS;
    int e;
    frexp(av, &e); /* av in [2^(e-1), 2^e) */
    int32_t o = e - 1 - SKETCH_MIN_EXP, side = v > 0;
    if (o < p->lo[2 * k + side]) p->lo[2 * k + side] = o;
    if (o > p->hi[2 * k + side]) p->hi[2 * k + side] = o;
    return (uint16_t)(side ? ZERO_CLASS + 1 + o : ZERO_CLASS - 1 - o);
}

void pb_sketch_plan_observe(pb_sketch_plan *p, const pb_path_out *out)
{
    if (out->nonfinite || !plan_reserve(p, 1)) return;
    uint16_t *row = p->row + (size_t)p->n_rows++ * (size_t)p->n_cells;
    const int SH = PB_N_SERIES * p->H;
    for (int k = 0; k < SH; k++) row[k] = plan_see(p, k, out->series[k]);
    for (int m = 0; m < PB_N_METRICS; m++)
        row[SH + m] = !pb_metric_is_year(m) && (m != PB_M_IRR || out->irr_kind == PB_IRR_ONE)
                          ? plan_see(p, SH + m, out->metric[m]) : NO_CLASS;
}

void pb_sketch_plan_merge(pb_sketch_plan *into, const pb_sketch_plan *from)
{
    for (int i = 0; i < 2 * into->n_cells; i++) {
        if (from->lo[i] < into->lo[i]) into->lo[i] = from->lo[i];
        if (from->hi[i] > into->hi[i]) into->hi[i] = from->hi[i];
    }
    into->failed |= from->failed;
    into->dropped |= from->dropped; /* a focused plan has no rows left to merge: its focus fails */
    unfocus(into); /* the windows are those of the merged rows: focus again */
    if (from->n_rows && plan_reserve(into, from->n_rows)) {
        memcpy(into->row + (size_t)into->n_rows * (size_t)into->n_cells, from->row,
               (size_t)from->n_rows * (size_t)from->n_cells * sizeof *from->row);
        into->n_rows += from->n_rows;
    }
}

/* Focusing (pb_sketch_plan_focus).  For a level q, the pilot's n values
 * of ranks q (n - 1) -+ (FOCUS_Z sd + 2), sd = sqrt(n q (1 - q)) the
 * spread of a rank count, bracket the quantile of the run's paths, and
 * its order-statistic interval when the run has at least n paths (1.96 of
 * the run's sd, narrower), but for odds of about 1 in 3.5 million at each
 * end.  The window covers the powers of two of those values and one more
 * on either side (a factor of 2); two where the rank interval holds the
 * pilot's smallest or largest value of a sign; ten toward zero where it
 * reaches across zero (magnitudes thin out there a power of two at a
 * time).  A quantile that still falls outside is flagged, never wrong
 * (stats.h).  A part of a run (paths A:B) with fewer paths than the
 * pilot has wider intervals of its own: those may be flagged, never the
 * merged run's. */
#define FOCUS_Z 5.0
#define FOCUS_MARGIN 1
#define FOCUS_EXTREME 2
#define FOCUS_ZERO 10

/* The class of the value of 0-based rank r (r < the counts' total), the
 * counts starting at class c. */
static int class_of_rank(const uint32_t *count, int c, int64_t r)
{
    int64_t cum = 0;
    while ((cum += count[c]) <= r) c++;
    return c;
}

/* Widens [*lo, *hi] (octaves of one sign) to cover [a, b]. */
static void cover(int32_t *lo, int32_t *hi, int32_t a, int32_t b)
{
    if (a < 0) a = 0;
    if (b > SKETCH_OCTAVES - 1) b = SKETCH_OCTAVES - 1;
    if (a < *lo) *lo = a;
    if (b > *hi) *hi = b;
}

/* The focused windows of cell k for the rank interval [r0, r1] of one
 * level: the classes a .. b of those ranks, per sign as octaves, with
 * their margins. */
static void focus_level(const pb_sketch_plan *p, int k, int a, int b, int64_t r0, int64_t r1, int64_t n, int32_t *wlo,
                        int32_t *whi)
{
    const bool across = a <= ZERO_CLASS && b >= ZERO_CLASS;
    for (int side = 0; side < 2; side++) {
        /* This sign's classes in [a, b], as octaves from near zero outward. */
        int32_t near, far;
        if (side == 0 && a < ZERO_CLASS) near = ZERO_CLASS - 1 - (b < ZERO_CLASS ? b : ZERO_CLASS - 1), far = ZERO_CLASS - 1 - a;
        else if (side == 1 && b > ZERO_CLASS) near = (a > ZERO_CLASS ? a : ZERO_CLASS + 1) - ZERO_CLASS - 1, far = b - ZERO_CLASS - 1;
        else continue;
        const int32_t seen_lo = p->lo[2 * k + side], seen_hi = p->hi[2 * k + side];
        if (near < seen_lo) near = seen_lo; /* the empty classes between the pilot's values and zero */
        /* The pilot's value of this sign nearest zero is rank n - 1 for a
         * negative cell and rank 0 for a positive one; the farthest is
         * rank 0 for negatives, n - 1 for positives. */
        const bool holds_near = side == 0 ? r1 == n - 1 : r0 == 0, holds_far = side == 0 ? r0 == 0 : r1 == n - 1;
        const int32_t below = near == seen_lo && across ? FOCUS_ZERO : near == seen_lo && holds_near ? FOCUS_EXTREME : FOCUS_MARGIN;
        const int32_t above = far == seen_hi && holds_far ? FOCUS_EXTREME : FOCUS_MARGIN;
        cover(&wlo[side], &whi[side], near - below, far + above);
    }
}

/* Cells are counted FOCUS_BLOCK at a time, so that each row is read a
 * cache line at a time (one cell per row strided through the rows took
 * 0.1 s at 200 years). */
#define FOCUS_BLOCK 64

/* Counts by class of cells k0 .. k0 + nk - 1 into count[j * PLAN_CLASSES
 * ..] (valid in [c0[j], c1[j]], the classes the cell's octave ranges
 * allow), and their totals n[j]. */
static void block_counts(const pb_sketch_plan *p, int k0, int nk, uint32_t *count, int *c0, int *c1, int64_t *n)
{
    for (int j = 0; j < nk; j++) {
        const int k = k0 + j;
        c0[j] = p->hi[2 * k] >= 0 ? ZERO_CLASS - 1 - p->hi[2 * k] : ZERO_CLASS;
        c1[j] = p->hi[2 * k + 1] >= 0 ? ZERO_CLASS + 1 + p->hi[2 * k + 1] : ZERO_CLASS;
        memset(count + (size_t)j * PLAN_CLASSES + c0[j], 0, (size_t)(c1[j] - c0[j] + 1) * sizeof *count);
        n[j] = 0;
    }
    for (int64_t i = 0; i < p->n_rows; i++) {
        const uint16_t *row = p->row + (size_t)i * (size_t)p->n_cells + (size_t)k0;
        for (int j = 0; j < nk; j++)
            if (row[j] != NO_CLASS) {
                count[(size_t)j * PLAN_CLASSES + row[j]]++;
                n[j]++;
            }
    }
}

/* Cell k's windows from its counts (count, from class c0; n in all). */
static void focus_cell(pb_sketch_plan *p, int k, const uint32_t *count, int c0, int64_t n, int n_levels, const double *levels)
{
    int32_t *wlo = p->wlo + 2 * k, *whi = p->whi + 2 * k;
    wlo[0] = wlo[1] = INT32_MAX;
    whi[0] = whi[1] = -1;
    for (int i = 0; i < n_levels && n > 0; i++) {
        const double q = levels[i], h = q * (double)(n - 1), d = FOCUS_Z * sqrt((double)n * q * (1 - q)) + 2;
        const int64_t r0 = h - d <= 0 ? 0 : (int64_t)floor(h - d), r1 = h + d >= (double)(n - 1) ? n - 1 : (int64_t)ceil(h + d);
        focus_level(p, k, class_of_rank(count, c0, r0), class_of_rank(count, c0, r1), r0, r1, n, wlo, whi);
    }
}

bool pb_sketch_plan_focus(pb_sketch_plan *p, int n_levels, const double *levels)
{
    if (p->dropped) {
        pb_raise(PB_EINTERNAL, NULL, "a sketch plan is focused once, after its last merge");
        return false;
    }
    unfocus(p);
    p->wlo = malloc(2 * (size_t)p->n_cells * sizeof *p->wlo);
    p->whi = malloc(2 * (size_t)p->n_cells * sizeof *p->whi);
    uint32_t *count = malloc((size_t)FOCUS_BLOCK * PLAN_CLASSES * sizeof *count);
    if (!p->wlo || !p->whi || !count || p->failed) {
        unfocus(p);
        free(count);
        pb_raise(PB_ENOMEM, NULL, "out of memory for the sketch plan");
        return false;
    }
    for (int k0 = 0; k0 < p->n_cells; k0 += FOCUS_BLOCK) {
        const int nk = p->n_cells - k0 < FOCUS_BLOCK ? p->n_cells - k0 : FOCUS_BLOCK;
        int c0[FOCUS_BLOCK], c1[FOCUS_BLOCK];
        int64_t n[FOCUS_BLOCK];
        block_counts(p, k0, nk, count, c0, c1, n);
        for (int j = 0; j < nk; j++) focus_cell(p, k0 + j, count + (size_t)j * PLAN_CLASSES, c0[j], n[j], n_levels, levels);
    }
    free(count);
    /* The run needs only the windows now (3.3 MB of rows on the baseline,
     * 36 MB at 200 years, kept otherwise for the whole run). */
    free(p->row);
    p->row = NULL;
    p->n_rows = p->cap_rows = 0;
    p->dropped = true;
    return true;
}

/* ------------------------------------------------------------------ */
/* Windows                                                              */

bool sketch_store_alloc(store *st, int32_t n)
{
    st->n = n;
    st->h = n ? calloc((size_t)n, sizeof *st->h) : NULL;
    st->c = n ? calloc((size_t)n, sizeof *st->c) : NULL;
    return !n || (st->h && st->c);
}

/* The window of one sign: the plan's octaves lo .. hi, widened by `below`
 * octaves toward zero and 2 away from it (none if the pilot saw no value
 * of this sign, hi < 0). */
static void plan_window(int32_t lo, int32_t hi, int32_t below, store *st)
{
    st->lo = st->n = 0;
    if (hi < 0) return;
    lo = lo > below ? lo - below : 0;
    hi = hi + 2 < SKETCH_OCTAVES ? hi + 2 : SKETCH_OCTAVES - 1;
    st->lo = lo * SKETCH_SUB;
    st->n = (hi - lo + 1) * SKETCH_SUB;
}

/* The arrays of a plan's layout (sketch.h) for the windows already in
 * sk->neg and sk->pos, and the coarse counts. */
static bool plan_layout(sketch *sk)
{
    const size_t nf = (size_t)sk->neg.n + (size_t)sk->pos.n;
    sk->hot = calloc(nf + SKETCH_HOT_EXTRA, sizeof *sk->hot);
    sk->carry = calloc(nf ? nf : 1, sizeof *sk->carry);
    sk->neg.coarse = calloc(SKETCH_OCTAVES, sizeof *sk->neg.coarse);
    sk->pos.coarse = calloc(SKETCH_OCTAVES, sizeof *sk->pos.coarse);
    if (!sk->hot || !sk->carry) { /* sketch_free frees the arrays of a layout only with both */
        free(sk->hot);
        free(sk->carry);
        sk->hot = NULL;
        sk->carry = NULL;
        return false;
    }
    if (!sk->neg.coarse || !sk->pos.coarse) return false;
    sk->neg.h = sk->hot;
    sk->pos.h = sk->hot + sk->neg.n;
    sk->neg.c = sk->carry;
    sk->pos.c = sk->carry + sk->neg.n;
    return true;
}

void sketch_fold(sketch *sk)
{
    if (!sk->hot) return;
    uint16_t *x = sk->hot + sk->neg.n + sk->pos.n;
    sk->zero += x[0];
    x[0] = 0;
    for (int s = 0; s < 2; s++) {
        uint16_t *o = x + 1 + s * SKETCH_OCTAVES;
        uint64_t *coarse = s ? sk->pos.coarse : sk->neg.coarse;
        for (int i = 0; i < SKETCH_OCTAVES; i++)
            if (o[i]) { coarse[i] += o[i]; o[i] = 0; }
    }
}

/* How far a window reaches toward zero: a cell whose pilot values take both
 * signs crosses zero, where magnitudes thin out one octave at a time and a
 * quantile can fall well below the smallest pilot magnitude. */
static int32_t plan_below(const pb_sketch_plan *p, int k)
{
    return p->hi[2 * k] >= 0 && p->hi[2 * k + 1] >= 0 ? 10 : 2;
}

bool sketch_apply_plan(sketch *sk, const pb_sketch_plan *p, int k)
{
    if (p->wlo) { /* focused: the windows as they are */
        for (int side = 0; side < 2; side++) {
            store *st = side ? &sk->pos : &sk->neg;
            const int32_t lo = p->wlo[2 * k + side], hi = p->whi[2 * k + side];
            st->lo = hi < 0 ? 0 : lo * SKETCH_SUB;
            st->n = hi < 0 ? 0 : (hi - lo + 1) * SKETCH_SUB;
        }
        return plan_layout(sk);
    }
    plan_window(p->lo[2 * k], p->hi[2 * k], plan_below(p, k), &sk->neg);
    plan_window(p->lo[2 * k + 1], p->hi[2 * k + 1], plan_below(p, k), &sk->pos);
    return plan_layout(sk);
}

bool sketch_store_cover(store *st, int32_t lo, int32_t hi)
{
    if (st->n && lo >= st->lo && hi <= st->lo + st->n) return true;
    int32_t nlo = st->n ? (lo < st->lo ? lo : st->lo) : lo, nhi = st->n ? (hi > st->lo + st->n ? hi : st->lo + st->n) : hi;
    /* Grow by a power of two's worth of buckets beyond what is needed, so
     * that a slowly widening range costs few copies. */
    int32_t slack = SKETCH_SUB; /* one power of two */
    if (nlo < (st->n ? st->lo : lo)) nlo = nlo - slack < 0 ? 0 : nlo - slack;
    if (nhi > (st->n ? st->lo + st->n : hi)) nhi += slack;
    store grown = {0};
    if (!sketch_store_alloc(&grown, nhi - nlo)) { free(grown.h); free(grown.c); return false; }
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

bool sketch_alloc_like(sketch *sk, const sketch *model)
{
    if (model->hot) {
        sk->neg.lo = model->neg.lo;
        sk->neg.n = model->neg.n;
        sk->pos.lo = model->pos.lo;
        sk->pos.n = model->pos.n;
        return plan_layout(sk);
    }
    const store *ms[2] = {&model->neg, &model->pos};
    store *cs[2] = {&sk->neg, &sk->pos};
    for (int s = 0; s < 2; s++) {
        cs[s]->lo = ms[s]->lo;
        cs[s]->n = ms[s]->n;
        if (!sketch_store_alloc(cs[s], ms[s]->n) ||
            (ms[s]->coarse && !(cs[s]->coarse = calloc(SKETCH_OCTAVES, sizeof(uint64_t)))))
            return false;
    }
    return true;
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
    if (!sketch_store_cover(into, from->lo + lo, from->lo + hi)) return false;
    for (int32_t i = lo; i < hi; i++) cnt_add(into, from->lo + i - into->lo, cnt(from, i));
    return true;
}

bool sketch_merge(sketch *into, const sketch *from)
{
    into->zero += from->zero;
    return store_merge(&into->neg, &from->neg) && store_merge(&into->pos, &from->pos);
}

void sketch_free(sketch *sk)
{
    if (sk->hot) {
        free(sk->hot);
        free(sk->carry);
    } else {
        free(sk->neg.c);
        free(sk->pos.c);
        free(sk->neg.h);
        free(sk->pos.h);
    }
    free(sk->neg.coarse);
    free(sk->pos.coarse);
}

/* ------------------------------------------------------------------ */
/* Ranks and quantiles                                                  */

static double bucket_mid(int32_t idx)
{
    int e = idx / SKETCH_SUB + SKETCH_MIN_EXP, sub = idx % SKETCH_SUB;
    return ldexp(1.0 + (sub + 0.5) / SKETCH_SUB, e);
}

static double octave_mid(int32_t o) { return ldexp(1.5, o + SKETCH_MIN_EXP); }

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

/* The values of the 0-based ranks r[0..k-1] (ascending) of a sketch:
 * bucket (or coarse octave) midpoints, clamped to the exact min and max. */
static void sketch_ranks(const sketch *sk, double min, double max, const int64_t *r, int k, double *out,
                         bool *coarse)
{
    walker w = {r, k, 0, 0, out, coarse};
    const store *ng = &sk->neg, *ps = &sk->pos;
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
    visit(&w, (uint64_t)sk->zero, 0, false);
    /* Positive values, the smallest first. */
    if (ps->coarse && ps->n)
        for (int32_t o = 0; o < plo && w.j < k; o++)
            if (ps->coarse[o]) visit(&w, ps->coarse[o], octave_mid(o), true);
    for (int32_t i = 0; i < ps->n && w.j < k; i++)
        if (cnt(ps, i)) visit(&w, cnt(ps, i), bucket_mid(ps->lo + i), false);
    if (ps->coarse)
        for (int32_t o = ps->n ? phi : 0; o < SKETCH_OCTAVES && w.j < k; o++)
            if (ps->coarse[o]) visit(&w, ps->coarse[o], octave_mid(o), true);
    while (w.j < k) { coarse[w.j] = false; out[w.j++] = max; }
    for (int j = 0; j < k; j++) out[j] = out[j] < min ? min : out[j] > max ? max : out[j];
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

void sketch_quantiles(const pb_summary *s, const sketch *sk, int64_t n, double min, double max, double *q,
                      double *lo, double *hi, int64_t *n_coarse)
{
    const int Q = s->n_quantiles;
    if (n == 0) { for (int i = 0; i < Q; i++) q[i] = lo[i] = hi[i] = NAN; return; }
    /* Four ranks per level: the two order statistics type 7 interpolates
     * between, and the two interval ends; looked up in one walk, sorted. */
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
    sketch_ranks(sk, min, max, sorted, nw, vals, coarse);
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
