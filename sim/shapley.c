/* shapley.c: Shapley effects by random orders or by every subset (model.md
 * §10; Song, Nelson & Staum 2016, Algorithm 1).  The caller's callback
 * draws the conditional samples; this file plans the evaluations, runs them
 * on OpenMP threads into an array indexed by evaluation, and reduces that
 * array on one thread in a fixed order. */
#include "payback/indices.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>

#include "payback/rng.h"
#include "boot.h"

void pb_shapley_defaults(pb_shapley_opts *o)
{
    *o = (pb_shapley_opts){.exact = 0, .orders = 2000, .n_outer = 1, .n_inner = 3, .n_var = 8192, .threads = 1};
}

/* The evaluations are numbered t = 0 .. n_eval-1: first the n_var Var Y
 * samples, then n_inner draws for each conditional group g (one subset J
 * and one outer sample).  Random orders: g = (k (d-1) + j-1) n_outer + o for
 * order k, J = its first j factors (j < d); exact: g = (s-1) n_outer + o for
 * the subset with bit mask s, 0 < s < 2^d - 1.  t is the callback's `inner`,
 * so every call has its own. */
typedef struct {
    int d;
    pb_shapley_opts o;
    int64_t n_sets;    /* subsets per outer sample: m (d-1), or 2^d - 2 */
    int64_t n_groups;  /* n_sets * n_outer */
    int64_t n_eval;    /* n_var + n_groups * n_inner */
    int *perm;         /* random orders: [m * d], order k at perm + k d */
    double *y;         /* [n_eval] every Y, by evaluation number */
    double *cg;        /* [n_groups] sample variance over a group's inner draws */
    double *cset;      /* [n_sets] c-hat of a subset: cg averaged over the outer samples */
} plan;

static void plan_free(plan *p)
{
    free(p->perm), free(p->y), free(p->cg), free(p->cset);
}

/* Order k on its own stream: the same for any m, thread or run. */
static void make_orders(plan *p, gsl_rng *r)
{
    const uint32_t stream = pb_stream_id("shapley.order");
    for (int64_t k = 0; k < p->o.orders; k++) {
        int *pi = p->perm + k * p->d;
        for (int f = 0; f < p->d; f++) pi[f] = f;
        pb_rng_start(r, PB_SHAPLEY_ORDER_SEED, (uint64_t)k, stream, 0);
        gsl_ran_shuffle(r, pi, (size_t)p->d, sizeof *pi);
    }
}

static pb_status plan_make(plan *p, int d, const pb_shapley_opts *o)
{
    memset(p, 0, sizeof *p);
    p->d = d, p->o = *o;
    p->n_sets = o->exact ? (1 << d) - 2 : o->orders * (d - 1);
    /* Refuse a plan whose count overflows int64 long before memory runs out. */
    const double evals = (double)o->n_var + (double)p->n_sets * (double)o->n_outer * (double)o->n_inner;
    if (evals > 1e15) return pb_raise(PB_EINPUT, NULL, "shapley: %.3g evaluations", evals);
    p->n_groups = p->n_sets * o->n_outer;
    p->n_eval = o->n_var + p->n_groups * o->n_inner;
    p->y = malloc((size_t)p->n_eval * sizeof *p->y);
    p->cg = malloc((size_t)(p->n_groups + 1) * sizeof *p->cg);
    p->cset = malloc((size_t)(p->n_sets + 1) * sizeof *p->cset);
    p->perm = o->exact ? NULL : malloc((size_t)(o->orders * d) * sizeof *p->perm);
    gsl_rng *r = o->exact ? NULL : pb_rng_alloc();
    if (!p->y || !p->cg || !p->cset || (!o->exact && (!p->perm || !r))) {
        pb_rng_free(r);
        plan_free(p);
        return pb_raise(PB_ENOMEM, NULL, "shapley: cannot allocate %lld evaluations", (long long)p->n_eval);
    }
    if (!o->exact) make_orders(p, r);
    pb_rng_free(r);
    return PB_OK;
}

/* The mask and outer sample number of evaluation t >= n_var. */
static int64_t group_of(const plan *p, int64_t t, unsigned char *mask)
{
    const int64_t g = (t - p->o.n_var) / p->o.n_inner, set = g / p->o.n_outer, o = g % p->o.n_outer;
    memset(mask, 0, (size_t)p->d);
    if (p->o.exact) {
        const int64_t s = set + 1;
        for (int f = 0; f < p->d; f++) mask[f] = (unsigned char)((s >> f) & 1);
        return p->o.n_var + o; /* shared by every subset: common random numbers */
    }
    const int64_t k = set / (p->d - 1), j = set % (p->d - 1) + 1;
    for (int64_t f = 0; f < j; f++) mask[p->perm[k * p->d + f]] = 1;
    return p->o.n_var + g;
}

static pb_status evaluate(plan *p, pb_cond_eval f, void *ctx)
{
    int64_t bad = 0;
    const int d = p->d;
#pragma omp parallel num_threads(p->o.threads) default(none) shared(p, f, ctx, d) reduction(+ : bad)
    {
        unsigned char mask[PB_SHAPLEY_MAX_FACTORS];
        const int tid = omp_get_thread_num();
#pragma omp for schedule(dynamic, 64)
        for (int64_t t = 0; t < p->n_eval; t++) {
            int64_t outer = -1;
            if (t < p->o.n_var)
                memset(mask, 1, (size_t)d);
            else
                outer = group_of(p, t, mask);
            p->y[t] = f(ctx, tid, mask, outer, t);
            bad += !isfinite(p->y[t]); /* an integer count: exact in any order */
        }
    }
    if (bad) return pb_raise(PB_EINPUT, NULL, "shapley: Y is not finite in %lld evaluations", (long long)bad);
    return PB_OK;
}

/* Sample variance (denominator n - 1) of v[idx[k]] (idx NULL: v[k]), k < n. */
static double sample_var(const double *v, const int64_t *idx, int64_t n)
{
    double sum = 0, ss = 0;
    for (int64_t k = 0; k < n; k++) sum += v[idx ? idx[k] : k];
    const double mean = sum / (double)n;
    for (int64_t k = 0; k < n; k++) {
        const double e = v[idx ? idx[k] : k] - mean;
        ss += e * e;
    }
    return ss / (double)(n - 1);
}

/* c-hat of every subset from the outer samples idx (NULL: all, in order). */
static void subset_costs(plan *p, const int64_t *idx)
{
    const int64_t No = p->o.n_outer;
    for (int64_t s = 0; s < p->n_sets; s++) {
        double sum = 0;
        for (int64_t k = 0; k < No; k++) sum += p->cg[s * No + (idx ? idx[k] : k)];
        p->cset[s] = sum / (double)No;
    }
}

/* Sh_i of random orders idx[0 .. m-1] (NULL: all) from p->cset and V. */
static void shapley_random(const plan *p, const int64_t *idx, double V, double *sh)
{
    const int d = p->d;
    const int64_t m = p->o.orders;
    for (int i = 0; i < d; i++) sh[i] = 0;
    for (int64_t q = 0; q < m; q++) {
        const int64_t k = idx ? idx[q] : q;
        double prev = 0; /* c(empty set) */
        for (int j = 1; j <= d; j++) {
            const double cur = j < d ? p->cset[k * (d - 1) + j - 1] : V;
            sh[p->perm[k * d + j - 1]] += cur - prev;
            prev = cur;
        }
    }
    for (int i = 0; i < d; i++) sh[i] /= (double)m;
}

static int popcount(int64_t s)
{
    int c = 0;
    for (; s; s &= s - 1) c++;
    return c;
}

/* Sh_i of every subset J not holding i: w(|J|) [c(J + i) - c(J)], with
 * w(s) = s! (d - s - 1)! / d!, the share of the d! orders in which i comes
 * right after the factors of J. */
static void shapley_exact(const plan *p, double V, double *sh)
{
    const int d = p->d;
    const int64_t full = ((int64_t)1 << d) - 1;
    for (int i = 0; i < d; i++) {
        sh[i] = 0;
        for (int64_t s = 0; s <= full; s++) {
            if (s >> i & 1) continue;
            const int64_t u = s | (int64_t)1 << i;
            const int size = popcount(s);
            const double w = gsl_sf_fact((unsigned)size) * gsl_sf_fact((unsigned)(d - size - 1)) / gsl_sf_fact((unsigned)d);
            const double cu = u == full ? V : p->cset[u - 1], cs = s == 0 ? 0.0 : p->cset[s - 1];
            sh[i] += w * (cu - cs);
        }
    }
}

static void shapley_of(const plan *p, const int64_t *order_idx, double V, double *sh)
{
    if (p->o.exact)
        shapley_exact(p, V, sh);
    else
        shapley_random(p, order_idx, V, sh);
}

/* Resample b: the N_v samples of Var Y, and the orders (random) or the
 * outer samples (exact), each with replacement; the shares of the resample
 * go to boot[i * B + b].  idx holds max(N_v, m, N_o) entries. */
static void bootstrap(plan *p, gsl_rng *r, int64_t *idx, double *sh, double *boot)
{
    enum { B = PB_BOOT_RESAMPLES };
    const int64_t units = p->o.exact ? p->o.n_outer : p->o.orders;
    for (int b = 0; b < B; b++) {
        pb_boot_start(r, "shapley.bootstrap", b);
        for (int64_t k = 0; k < p->o.n_var; k++) idx[k] = (int64_t)gsl_rng_uniform_int(r, (unsigned long)p->o.n_var);
        const double V = sample_var(p->y, idx, p->o.n_var);
        for (int64_t k = 0; k < units; k++) idx[k] = (int64_t)gsl_rng_uniform_int(r, (unsigned long)units);
        if (p->o.exact) subset_costs(p, idx);
        shapley_of(p, p->o.exact ? NULL : idx, V, sh);
        for (int i = 0; i < p->d; i++) boot[i * B + b] = V > 0 ? sh[i] / V : NAN;
    }
}

static pb_status check_opts(int d, pb_cond_eval f, const pb_shapley_opts *o)
{
    if (!f || d < 1 || d > PB_SHAPLEY_MAX_FACTORS)
        return pb_raise(PB_EINPUT, NULL, "shapley: %d factors (at most %d)", d, PB_SHAPLEY_MAX_FACTORS);
    if (o->exact && d > PB_SHAPLEY_EXACT_MAX)
        return pb_raise(PB_EINPUT, NULL, "shapley: exact enumeration of %d factors (at most %d)", d,
                        PB_SHAPLEY_EXACT_MAX);
    /* Resampling draws an index below 2^32 (gsl_rng_uniform_int on Philox). */
    const int64_t big = INT64_C(1) << 32;
    if ((!o->exact && (o->orders < 1 || o->orders > big)) || o->n_outer < 1 || o->n_outer > big || o->n_inner < 2
        || o->n_var < 2 || o->n_var > big || o->threads < 1)
        return pb_raise(PB_EINPUT, NULL,
                        "shapley: orders %lld, outer %lld, inner %lld (>= 2), var %lld (>= 2), threads %d",
                        (long long)o->orders, (long long)o->n_outer, (long long)o->n_inner,
                        (long long)o->n_var, o->threads);
    return PB_OK;
}

pb_status pb_shapley(int d, pb_cond_eval f, void *ctx, const pb_shapley_opts *opts, pb_shapley_result *out)
{
    plan p;
    pb_status st = check_opts(d, f, opts);
    if (st == PB_OK) st = plan_make(&p, d, opts);
    if (st != PB_OK) return st;
    int64_t *idx = NULL;
    double *sh = NULL, *boot = NULL;
    gsl_rng *r = NULL;
    if ((st = evaluate(&p, f, ctx)) != PB_OK) goto done;

    /* The reduction, on this thread in evaluation order. */
    const int64_t Ni = p.o.n_inner;
    for (int64_t g = 0; g < p.n_groups; g++) p.cg[g] = sample_var(p.y + p.o.n_var + g * Ni, NULL, Ni);
    subset_costs(&p, NULL);
    const double V = sample_var(p.y, NULL, p.o.n_var);
    out->var_y = V;

    const int64_t n_idx = p.o.n_var > p.o.orders ? p.o.n_var : p.o.orders;
    idx = malloc((size_t)(n_idx > p.o.n_outer ? n_idx : p.o.n_outer) * sizeof *idx);
    sh = malloc((size_t)d * sizeof *sh);
    boot = malloc((size_t)d * PB_BOOT_RESAMPLES * sizeof *boot);
    r = pb_rng_alloc();
    if (!idx || !sh || !boot || !r) {
        st = pb_raise(PB_ENOMEM, NULL, "shapley: cannot allocate the bootstrap of %d factors", d);
        goto done;
    }
    shapley_of(&p, NULL, V, sh);
    for (int i = 0; i < d; i++) out->share[i] = V > 0 ? sh[i] / V : NAN;
    bootstrap(&p, r, idx, sh, boot);
    for (int i = 0; i < d; i++)
        pb_boot_percentiles(boot + i * PB_BOOT_RESAMPLES, PB_BOOT_RESAMPLES, &out->share_lo[i], &out->share_hi[i]);
done:
    pb_rng_free(r);
    free(idx), free(sh), free(boot);
    plan_free(&p);
    return st;
}
