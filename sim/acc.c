/* acc.c: the streaming accumulator of stats.h (pb_acc): paths in, through a
 * buffer of 256 paths, into exact GMP sums, min and max, quantile sketches
 * (sketch.h) and counts; merged exactly; finished into a pb_summary.
 * Its layout is in acc_internal.h; pack.c turns it into bytes. */
#include "acc_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Allocation                                                           */

pb_acc *pb_acc_alloc(int start, int n_years, int block_paths, const pb_sketch_plan *plan)
{
    pb_acc *a = block_paths >= 1 && block_paths <= PB_ACC_MAX_BLOCK ? calloc(1, sizeof *a) : NULL;
    if (!a) goto fail;
    a->start = start;
    a->H = n_years;
    a->n_cells = PB_N_SERIES * n_years + PB_N_METRICS;
    a->block_cap = block_paths;
    a->sub_cap = block_paths < PB_ACC_SUB ? block_paths : PB_ACC_SUB;
    /* A whole number of cache lines per cell, so that every cell's column
     * starts on a line; 8 more than the buffer, so that the columns do not
     * all fall in one cache set. */
    a->stride = ((size_t)a->sub_cap + TILE - 1) / TILE * TILE + 8;
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
        c->sketched = !(k >= PB_N_SERIES * n_years && pb_metric_is_year(k - PB_N_SERIES * n_years));
        if (plan && c->sketched && !sketch_apply_plan(&c->sk, plan, k)) goto fail;
    }
    a->planned = plan != NULL;
    return a;
fail:
    pb_acc_free(a);
    pb_raise(PB_ENOMEM, NULL, "cannot allocate statistics for %d years", n_years);
    return NULL;
}

pb_acc *pb_acc_alloc_like(const pb_acc *model, int block_paths)
{
    pb_acc *a = pb_acc_alloc(model->start, model->H, block_paths, NULL);
    if (!a) return NULL;
    a->planned = model->planned;
    for (int k = 0; k < a->n_cells; k++)
        if (!sketch_alloc_like(&a->cells[k].sk, &model->cells[k].sk)) {
            pb_acc_free(a);
            pb_raise(PB_ENOMEM, NULL, "out of memory");
            return NULL;
        }
    return a;
}

void pb_acc_free(pb_acc *a)
{
    if (!a) return;
    if (a->cells)
        for (int k = 0; k < a->n_cells; k++) {
            mpz_clear(a->cells[k].s1);
            mpz_clear(a->cells[k].s2);
            sketch_free(&a->cells[k].sk);
        }
    mpz_clear(a->tmp);
    free(a->cells);
    free(a->block);
    free(a->tile);
    free(a->closed);
    free(a->hist);
    free(a);
}

/* ------------------------------------------------------------------ */
/* Adding paths                                                         */

/* The first pass over the buffered values x[0..n-1] of one cell: sums,
 * min, max and counts into c, and the sketch buckets to increment into idx
 * (a positive value's bucket b as b, a negative one's as -1 - b).  Returns
 * how many, or -1 if a growing window (without a plan) could not be made to
 * cover them.
 *
 * Sums run in four interleaved partial sums over the block (value i of the
 * block into sum i mod 4, combined at its end as (s0 + s1) + (s2 + s3)): a
 * fixed order, so the same bits whatever thread or process takes the
 * block, and four chains instead of one long one.  x starts at a multiple
 * of 4 in the block, so x[i] is the block's value of index i mod 4. */
static inline int block_scan(const pb_acc *a, cell *c, const double *x, int n, bool skip_nonfinite, int32_t *idx)
{
    double s[4] = {c->ps[0], c->ps[1], c->ps[2], c->ps[3]}, q[4] = {c->pq[0], c->pq[1], c->pq[2], c->pq[3]};
    double mn = c->min, mx = c->max;
    int64_t added = 0, zeros = 0;
    const double zero = ldexp(1.0, SKETCH_MIN_EXP);
    int m = 0;
    int32_t lo[2] = {INT32_MAX, INT32_MAX}, hi[2] = {-1, -1}; /* per store: 0 neg, 1 pos (growing windows) */
    const bool planned = a->planned, sketched = c->sketched;
    /* The windows in locals: the coarse increments below could alias the
     * store structs as far as the compiler knows. */
    const int32_t wlo[2] = {c->sk.neg.lo, c->sk.pos.lo}, wn[2] = {c->sk.neg.n, c->sk.pos.n};
    uint64_t *const coarse[2] = {c->sk.neg.coarse, c->sk.pos.coarse};
    for (int i = 0; i < n; i++) {
        const double v = x[i];
        if (skip_nonfinite && !isfinite(v)) continue; /* never (+inf), or no single IRR (NaN) */
        added++;
        s[i & 3] += v;
        q[i & 3] += v * v;
        mn = v < mn ? v : mn;
        mx = v > mx ? v : mx;
        if (!sketched) continue;
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
    c->sk.zero += zeros;
    memcpy(c->ps, s, sizeof s);
    memcpy(c->pq, q, sizeof q);
    c->min = mn;
    c->max = mx;
    c->n += added;
    c->bn += added;
    if (m == 0) return 0;
    if (!planned && ((hi[0] >= 0 && !sketch_store_cover(&c->sk.neg, lo[0], hi[0] + 1)) ||
                     (hi[1] >= 0 && !sketch_store_cover(&c->sk.pos, lo[1], hi[1] + 1))))
        return -1;
    return m;
}

/* The second pass: increments the fine buckets idx[0..m-1] (as block_scan
 * wrote them; the windows cover them).  Metric cells and accumulators
 * without a plan come here; planned series cells count in count_planned. */
static inline void sketch_count(sketch *sk, const int32_t *idx, int m)
{
    for (int i = 0; i < m; i++) {
        const int32_t j = idx[i];
        store *st = j >= 0 ? &sk->pos : &sk->neg;
        const int32_t k = (j >= 0 ? j : -1 - j) - st->lo; /* within the window */
        if (!++st->h[k]) st->c[k]++;                       /* a wrap of the low 16 bits */
    }
}

/* ------------------------------------------------------------------ */
/* The common case, a series cell under a plan: every value finite, the   */
/* windows fixed.  The first pass is branch-free, so that it runs in      */
/* vector registers; the same operations in the same order per lane, so  */
/* the same bits as block_scan.                                         */

/* The first pass compiled for AVX-512 and AVX2 too, chosen at load time.
 * Every clone has the same four lanes of sums and no fused multiply-add
 * (-ffp-contract=off), so the same bits.  clang's dispatch of "arch="
 * clones is unreliable (llvm/llvm-project#55830): it gets AVX2 only. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define PB_VECTOR_CLONES __attribute__((target_clones("arch=x86-64-v4", "avx2", "default")))
#elif defined(__x86_64__)
#define PB_VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define PB_VECTOR_CLONES
#endif

typedef double v4d __attribute__((vector_size(32)));
typedef int64_t v4l __attribute__((vector_size(32)));

/* Sums (value i into lane i mod 4), min and max of x[0..n-1], n a
 * multiple of 4 or the end of a block; and each value's slot in the
 * sketch's hot array (sketch.h): its fine bucket inside the window of its
 * sign, else its octave's coarse slot, or the zero slot. */
PB_VECTOR_CLONES
static void scan_planned(const double *x, int n, double *s, double *q, double *mn, double *mx, const sketch *sk,
                         int32_t *slot)
{
    v4d vs, vq, lo = {*mn, *mn, *mn, *mn}, hi = {*mx, *mx, *mx, *mx};
    memcpy(&vs, s, sizeof vs);
    memcpy(&vq, q, sizeof vq);
    int i = 0;
    for (; i + 4 <= n; i += 4) {
        v4d a;
        memcpy(&a, x + i, sizeof a);
        vs += a;
        vq += a * a;
        const v4l l = a < lo, g = a > hi;
        lo = (v4d)(((v4l)a & l) | ((v4l)lo & ~l));
        hi = (v4d)(((v4l)a & g) | ((v4l)hi & ~g));
    }
    memcpy(s, &vs, sizeof vs);
    memcpy(q, &vq, sizeof vq);
    double m = lo[0], M = hi[0];
    for (int j = 1; j < 4; j++) {
        m = lo[j] < m ? lo[j] : m;
        M = hi[j] > M ? hi[j] : M;
    }
    for (; i < n; i++) { /* the end of a block */
        s[i & 3] += x[i];
        q[i & 3] += x[i] * x[i];
        m = x[i] < m ? x[i] : m;
        M = x[i] > M ? x[i] : M;
    }
    *mn = m;
    *mx = M;
    const int32_t lo0 = sk->neg.lo, n0 = sk->neg.n, lo1 = sk->pos.lo, n1 = sk->pos.n;
    const int32_t zero = n0 + n1, coarse0 = zero + 1, coarse1 = coarse0 + SKETCH_OCTAVES;
    for (int k = 0; k < n; k++) {
        uint64_t bits;
        memcpy(&bits, &x[k], sizeof bits);
        const int32_t e = (int32_t)((bits >> 52) & 0x7ff) - 1023 - SKETCH_MIN_EXP; /* octave; < 0: |x| < 2^-30 */
        const int32_t b = e * SKETCH_SUB + (int32_t)((bits >> (52 - SKETCH_SUB_BITS)) & (SKETCH_SUB - 1));
        const bool neg = bits >> 63;
        const int32_t r = b - (neg ? lo0 : lo1);
        const int32_t fine = (neg ? 0 : n0) + r, coarse = (neg ? coarse0 : coarse1) + e;
        const bool inside = (uint32_t)r < (uint32_t)(neg ? n0 : n1);
        slot[k] = e < 0 ? zero : inside ? fine : coarse;
    }
}

/* The second pass: one increment a value.  Not prefetched: the counters a
 * block touches stay in the caches (counting every value into 1,024
 * counters changed nothing).  Only a fine bucket can wrap its 16 bits
 * within a block. */
static void count_planned(sketch *sk, const int32_t *slot, int n)
{
    uint16_t *const hot = sk->hot;
    uint64_t *const carry = sk->carry;
    for (int i = 0; i < n; i++) {
        if (!++hot[slot[i]]) carry[slot[i]]++;
    }
}

/* Adds the n values x[0..n-1] of one block of one cell: first its sums
 * and the buckets to count, then the counts, gathered first so that the
 * increments can be prefetched. */
static void cell_add_block(pb_acc *a, cell *c, const double *x, int n, bool skip_nonfinite)
{
    static _Thread_local int32_t idx[PB_ACC_MAX_BLOCK];
    if (c->sk.hot && c->sketched && !skip_nonfinite) {
        scan_planned(x, n, c->ps, c->pq, &c->min, &c->max, &c->sk, idx);
        c->n += n;
        c->bn += n;
        count_planned(&c->sk, idx, n);
        return;
    }
    const int m = block_scan(a, c, x, n, skip_nonfinite, idx);
    if (m < 0) a->failed = true;
    if (m > 0) sketch_count(&c->sk, idx, m);
}

/* Writes the tile's last `rows` paths into the buffer, cell by cell: a
 * full tile fills one cache line per cell. */
static void tile_out(pb_acc *a, int rows)
{
    const size_t base = (size_t)((a->block_n - 1) / TILE * TILE), C = (size_t)a->n_cells;
    for (size_t k = 0; k < C; k++) {
        double *dst = a->block + k * a->stride + base;
        for (int r = 0; r < rows; r++) dst[r] = a->tile[(size_t)r * C + k];
    }
}

static void drain(pb_acc *a);

void pb_acc_add(pb_acc *a, const pb_path_out *out)
{
    if (out->nonfinite) { a->nonfinite++; return; }
    if (a->block_paths == a->block_cap) pb_acc_flush(a); /* a block longer than promised */
    if (a->block_n == a->sub_cap) drain(a);
    a->paths++;
    a->block_paths++;
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

/* acc += x^2 exactly.  Below 2^511, x^2 rounded to a double, as the block
 * sums have it (a square there does not overflow); above, exactly:
 * x^2 = m^2 2^(2e-106). */
static void exact_add_square(mpz_t acc, mpz_t tmp, double x)
{
    if (fabs(x) < 0x1p511) { exact_add(acc, tmp, x * x); return; }
    int e;
    double f = frexp(x, &e);
    mpz_set_si(tmp, (long)ldexp(f, 53));
    mpz_mul(tmp, tmp, tmp);
    mpz_mul_2exp(tmp, tmp, (mp_bitcnt_t)(2 * (e - 53) + EXACT_OFFSET));
    mpz_add(acc, acc, tmp);
}

/* Values whose block's double sums overflowed (a finite value past about
 * 1.3e154 squares past DBL_MAX; sums past 1.8e308), one by one, straight
 * into the exact sums (model.md §9). */
static void values_exact(pb_acc *a, cell *c, const double *x, int n, bool skip_nonfinite)
{
    for (int i = 0; i < n; i++) {
        if (skip_nonfinite && !isfinite(x[i])) continue;
        exact_add(c->s1, a->tmp, x[i]);
        exact_add_square(c->s2, a->tmp, x[i]);
    }
}

static double combined(const double s[4]) { return (s[0] + s[1]) + (s[2] + s[3]); }

/* The buffered values of one cell.  When the block's double sums would
 * overflow, they stay at what they were before these values, and these
 * and the block's later values go one by one into the exact sums.
 * Ordinary values never come here, so their sums, and results, are those
 * of one pass over the whole block. */
static void cell_add_buffer(pb_acc *a, cell *c, const double *x, int n, bool skip_nonfinite)
{
    double s0[4], q0[4];
    memcpy(s0, c->ps, sizeof s0);
    memcpy(q0, c->pq, sizeof q0);
    cell_add_block(a, c, x, n, skip_nonfinite);
    if (!c->exact && isfinite(combined(c->ps)) && isfinite(combined(c->pq))) return;
    memcpy(c->ps, s0, sizeof s0);
    memcpy(c->pq, q0, sizeof q0);
    c->exact = true;
    values_exact(a, c, x, n, skip_nonfinite);
}

/* The buffered paths into the cells, cell by cell. */
static void drain(pb_acc *a)
{
    if (a->block_n % TILE) tile_out(a, a->block_n % TILE); /* the rest of the tile */
    const int series_cells = PB_N_SERIES * a->H;
    for (int k = 0; k < a->n_cells && a->block_n > 0; k++)
        cell_add_buffer(a, &a->cells[k], a->block + (size_t)k * a->stride, a->block_n, k >= series_cells);
    a->block_n = 0;
}

void pb_acc_flush(pb_acc *a)
{
    drain(a);
    a->block_paths = 0;
    for (int k = 0; k < a->n_cells; k++) {
        cell *c = &a->cells[k];
        if (!c->bn) continue;
        exact_add(c->s1, a->tmp, combined(c->ps));
        exact_add(c->s2, a->tmp, combined(c->pq));
        memset(c->ps, 0, sizeof c->ps);
        memset(c->pq, 0, sizeof c->pq);
        c->exact = false;
        c->bn = 0;
        sketch_fold(&c->sk);
    }
}

/* ------------------------------------------------------------------ */
/* Merging and finishing                                                */

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
        if (!sketch_merge(&c->sk, &f->sk))
            return into->planned != from->planned || into->planned
                       ? pb_raise(PB_EINTERNAL, NULL, "statistics with different sketch plans cannot be merged")
                       : pb_raise(PB_ENOMEM, NULL, "out of memory merging statistics");
    }
    return into->failed ? pb_raise(PB_ENOMEM, NULL, "out of memory in the quantile sketches") : PB_OK;
}

/* An exact integer z (times 2^-shift) over den > 0, as a double.  z 2^-shift
 * itself may pass DBL_MAX (a sum of huge values) while the quotient does
 * not: then the quotient is formed first (ordinary values keep the first
 * form, and its bits). */
static double mpz_ratio(const mpz_t z, long shift, double den)
{
    long e;
    double d = mpz_get_d_2exp(&e, z), r = ldexp(d, (int)(e - shift)) / den;
    return isfinite(r) ? r : ldexp(d / den, (int)(e - shift));
}

/* Mean, sd (n - 1) and se of a cell, from its exact sums: each rounded
 * once, so they do not depend on the order paths were added in.  An sd past
 * about 1.3e154 has a variance past DBL_MAX: its square root is then taken
 * of the mantissa and the halved exponent apart. */
static void cell_moments(const cell *c, double *mean, double *sd, double *se)
{
    if (c->n == 0) { *mean = *sd = *se = NAN; return; }
    double n = (double)c->n;
    *mean = mpz_ratio(c->s1, EXACT_OFFSET, n);
    if (c->n == 1) { *sd = *se = 0; return; }
    /* n S2 - S1^2, exactly, over n (n - 1). */
    mpz_t t, u;
    mpz_init(t);
    mpz_init(u);
    mpz_mul_si(t, c->s2, (long)c->n);
    mpz_mul_2exp(t, t, EXACT_OFFSET);
    mpz_mul(u, c->s1, c->s1);
    mpz_sub(t, t, u);
    double var = mpz_sgn(t) <= 0 ? 0 : mpz_ratio(t, 2 * EXACT_OFFSET, n * (n - 1));
    if (isfinite(var)) *sd = sqrt(var);
    else {
        long e;
        double d = mpz_get_d_2exp(&e, t);
        e -= 2 * EXACT_OFFSET;
        if (e & 1) { d *= 2; e--; } /* an even exponent halves exactly */
        *sd = ldexp(sqrt(d / (n * (n - 1))), (int)(e / 2));
    }
    mpz_clear(t);
    mpz_clear(u);
    *se = *sd / sqrt(n);
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
            sketch_quantiles(s, &c->sk, c->n, c->min, c->max, ss->q + (size_t)t * Q, ss->q_lo + (size_t)t * Q,
                             ss->q_hi + (size_t)t * Q, &s->coarse_series);
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
            sketch_quantiles(s, &c->sk, c->n, c->min, c->max, ms->q, ms->q_lo, ms->q_hi, &s->coarse_metrics);
        }
    }
    return PB_OK;
}
