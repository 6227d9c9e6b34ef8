/* sensitivity.c: the computations of `payback sensitivity` (sensitivity.h;
 * model.md §10.4).
 *
 * Three kinds of paths, every output read off each simulated path:
 *  - central paths (tornado): the deterministic path of model.md §2 with
 *    one parameter at a quantile;
 *  - the base sample (rank, Sobol): index p = b N + j of N (d + 2) paths,
 *    block b = 0 the run's path j (matrix A), b = 1 an independent path with
 *    inner index j (every factor resampled: B), b = 2 + i path j with factor
 *    i resampled at inner index j (A_B^(i)), so that A_B^(i) takes factor i
 *    from row j of B and every other factor from row j of A;
 *  - Shapley's conditional samples, numbered by pb_shapley.
 * Each Y is stored at its path's index, so the results do not depend on
 * the thread count. */
#include "payback/sensitivity.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "payback/draws.h"
#include "payback/indices.h"
#include "payback/param.h"
#include "payback/path.h"
#include "payback/rng.h"

/* ------------------------------------------------------------------ */
/* Per-thread workspaces, allocated once per thread                    */

typedef struct {
    gsl_rng *r;
    pb_path_in *in;
    pb_path_ws *ws;
    double *vals;          /* [pb_sampler_n_values] */
    unsigned char *mask;   /* [n_factors] */
} thread_ws;

static void thread_ws_free(thread_ws *w)
{
    if (!w) return;
    pb_rng_free(w->r);
    pb_path_ws_free(w->ws);
    free(w->in), free(w->vals), free(w->mask);
    memset(w, 0, sizeof *w);
}

static bool thread_ws_alloc(thread_ws *w, const pb_sampler *s, int n_years)
{
    memset(w, 0, sizeof *w);
    const int nv = pb_sampler_n_values(s), nf = pb_sampler_n_factors(s);
    w->r = pb_rng_alloc();
    w->in = malloc(sizeof *w->in);
    w->ws = pb_path_ws_alloc(n_years);
    w->vals = malloc((size_t)(nv > 0 ? nv : 1) * sizeof *w->vals);
    w->mask = calloc((size_t)(nf > 0 ? nf : 1), 1);
    if (w->r && w->in && w->ws && w->vals && w->mask) return true;
    thread_ws_free(w);
    return false;
}

/* Y of output k on a simulated path: NaN on a non-finite path (model.md §9),
 * else the value, +inf ("never") included. */
static void outputs_of(const pb_sens_opts *o, const pb_path_out *out, int n_years, double *y, size_t stride)
{
    for (int k = 0; k < o->n_out; k++)
        y[(size_t)k * stride] = out->nonfinite ? NAN : pb_output_value(&o->out[k], out, n_years);
}

/* Whether Y may enter an estimator: finite, or "never" of a year metric
 * where the estimator ranks it (Spearman). */
static bool usable(double y, bool year) { return isfinite(y) || (year && y == INFINITY); }

/* ------------------------------------------------------------------ */
/* Checks                                                               */

static pb_status count_factors(const pb_scenario *sc, int threads, int *d)
{
    pb_status st;
    pb_sampler *s = pb_sampler_alloc(sc, threads, &st);
    if (!s) return st;
    *d = pb_sampler_n_factors(s);
    pb_sampler_free(s);
    return PB_OK;
}

pb_status pb_sens_check(const pb_scenario *sc, const pb_sens_opts *o)
{
    const unsigned var = o->methods & (PB_SENS_SOBOL | PB_SENS_SHAPLEY);
    const char *vname = o->methods & PB_SENS_SOBOL ? "sobol" : "shapley";
    if ((o->methods & PB_SENS_SOBOL) && sc->n_corr_members > 0)
        return pb_raise(PB_EUSAGE, NULL, "method sobol needs independent factors, and the scenario has correlations; "
                        "use shapley (model.md §10.4)");
    for (int k = 0; var && k < o->n_out; k++)
        if (pb_output_is_year(&o->out[k]))
            return pb_raise(PB_EUSAGE, NULL, "output %s is a year metric: \"never\" (+inf) has no variance, so %s "
                            "cannot take it; use --method tornado,rank for it (model.md §10)", o->out[k].text, vname);
    if (var && o->n < 2) return pb_raise(PB_EUSAGE, NULL, "method %s needs -n of at least 2, not %lld", vname, (long long)o->n);
    if (var) {
        int d = 0;
        pb_status st = count_factors(sc, o->threads, &d);
        if (st != PB_OK) return st;
        if (d == 0) return pb_raise(PB_EUSAGE, NULL, "method %s: the scenario has no factor that varies between paths "
                                    "(no distribution, no shocks, no regime)", vname);
    }
    return PB_OK;
}

/* ------------------------------------------------------------------ */
/* Tornado (model.md §10.4)                                             */

typedef struct {
    const pb_param *p;  /* the parameter at its quantile */
    double q;
} tornado_ctx;

static double tornado_value(void *ctx, const pb_param *p, int t)
{
    (void)t;
    const tornado_ctx *c = ctx;
    return p == c->p ? pb_param_quantile(p, c->q) : pb_param_mean(p);
}

/* The central path (model.md §2) with parameter p at its quantile q. */
static void tornado_y(const pb_scenario *sc, const pb_sens_opts *o, thread_ws *w, const pb_param *p, double q, double *y,
                      size_t stride)
{
    tornado_ctx c = {p, q};
    pb_path_in_fill(sc, w->in, tornado_value, &c);
    w->in->regime = false; /* as pb_path_in_central: always boom, no shocks */
    memset(w->in->eps, 0, sizeof w->in->eps);
    memset(w->in->u_regime, 0, sizeof w->in->u_regime);
    pb_path_out out;
    pb_path_simulate(w->in, w->ws, &out);
    outputs_of(o, &out, sc->n_years, y, stride);
}

static double swing_of(double lo, double hi) { return lo == hi ? 0.0 : fabs(hi - lo); }

static pb_status tornado(const pb_scenario *sc, const pb_sampler *s, const pb_sens_opts *o, pb_sens_result *r)
{
    const int nf = r->n_factors, K = o->n_out;
    r->tf = malloc((size_t)(nf + 1) * sizeof *r->tf);
    if (!r->tf) return pb_raise(PB_ENOMEM, NULL, "out of memory");
    for (int f = 0; f < nf; f++) {
        const pb_factor_kind kind = pb_sampler_factor(s, f)->kind;
        if (kind == PB_FACTOR_PARAM || kind == PB_FACTOR_YEARLY) r->tf[r->nt++] = f;
    }
    const size_t n = (size_t)(r->nt + 1);
    r->t_low = malloc(n * sizeof *r->t_low), r->t_high = malloc(n * sizeof *r->t_high);
    r->y_low = malloc(n * (size_t)K * sizeof *r->y_low), r->y_high = malloc(n * (size_t)K * sizeof *r->y_high);
    r->swing = malloc(n * (size_t)K * sizeof *r->swing);
    thread_ws w;
    if (!r->t_low || !r->t_high || !r->y_low || !r->y_high || !r->swing || !thread_ws_alloc(&w, s, sc->n_years))
        return pb_raise(PB_ENOMEM, NULL, "out of memory");
    for (int i = 0; i < r->nt; i++) {
        const pb_factor *f = pb_sampler_factor(s, r->tf[i]);
        r->t_low[i] = pb_param_quantile(f->param, PB_TORNADO_LOW);
        r->t_high[i] = pb_param_quantile(f->param, PB_TORNADO_HIGH);
        if (f->year_valued) r->t_low[i] = pb_round_year(r->t_low[i]), r->t_high[i] = pb_round_year(r->t_high[i]);
        tornado_y(sc, o, &w, f->param, PB_TORNADO_LOW, r->y_low + (size_t)i * K, 1);
        tornado_y(sc, o, &w, f->param, PB_TORNADO_HIGH, r->y_high + (size_t)i * K, 1);
        for (int k = 0; k < K; k++) {
            const size_t at = (size_t)i * K + k;
            r->swing[at] = swing_of(r->y_low[at], r->y_high[at]);
        }
    }
    r->paths += 2 * (int64_t)r->nt;
    thread_ws_free(&w);
    return PB_OK;
}

/* ------------------------------------------------------------------ */
/* The base sample: A, B and A_B^(i) (model.md §10.4)                   */

typedef struct {
    const pb_scenario *sc;
    const pb_sampler *s;
    const pb_sens_opts *o;
    int64_t n, total;     /* N; N (d + 2) with Sobol, else N */
    double *y;            /* [n_out * total]: output k, path p at k total + p */
    double *x;            /* [nr * N]: rank factor i's value on path j at i N + j */
    const pb_sens_result *r;
} base_sample;

/* Path p of the base sample into its slots.  PB_ENOMEM from the conditional
 * law's workspace. */
static pb_status base_path(const base_sample *b, thread_ws *w, int64_t p)
{
    const int d = b->r->n_factors;
    const int64_t blk = p / b->n, j = p % b->n;
    const unsigned char *mask = NULL;
    if (blk >= 1) {
        memset(w->mask, blk == 1, (size_t)d);
        if (blk >= 2) w->mask[blk - 2] = 1;
        mask = w->mask;
    }
    double *vals = blk == 0 && b->x ? w->vals : NULL;
    pb_status st = pb_draw_path_cond(b->s, b->o->seed, (uint64_t)j, mask, (uint64_t)j, w->r, w->in, vals);
    if (st != PB_OK) return st;
    pb_path_out out;
    pb_path_simulate(w->in, w->ws, &out);
    outputs_of(b->o, &out, b->sc->n_years, b->y + p, (size_t)b->total);
    for (int i = 0; vals && i < b->r->nr; i++) {
        const pb_factor *f = pb_sampler_factor(b->s, b->r->rf[i]);
        const double v = vals[f->slot];
        b->x[(size_t)i * (size_t)b->n + (size_t)j] = f->year_valued ? pb_round_year(v) : v;
    }
    return PB_OK;
}

static pb_status base_run(const base_sample *b)
{
    int worst = PB_OK;
    const int64_t total = b->total;
#pragma omp parallel num_threads(b->o->threads) default(none) shared(b, total) reduction(max : worst)
    {
        thread_ws w;
        const bool ok = thread_ws_alloc(&w, b->s, b->sc->n_years);
        if (!ok) worst = PB_ENOMEM;
#pragma omp for schedule(dynamic, 64)
        for (int64_t p = 0; p < total; p++) {
            pb_status st = ok ? base_path(b, &w, p) : PB_ENOMEM;
            if ((int)st > worst) worst = (int)st;
        }
        thread_ws_free(&w);
    }
    return worst == PB_OK ? PB_OK : pb_raise((pb_status)worst, NULL, "out of memory in the sensitivity paths");
}

/* Spearman of every rank factor and output k over the paths of A whose Y
 * is usable (finite; "never" too for a year metric). */
static pb_status rank_output(const base_sample *b, pb_sens_result *r, int k, double *xs, double *ys)
{
    const bool year = pb_output_is_year(&b->o->out[k]);
    const double *y = b->y + (size_t)k * (size_t)b->total;
    for (int i = 0; i < r->nr; i++) {
        int64_t m = 0;
        for (int64_t j = 0; j < b->n; j++)
            if (usable(y[j], year)) xs[m] = b->x[(size_t)i * (size_t)b->n + (size_t)j], ys[m++] = y[j];
        r->r_used[k] = m;
        r->r_nonfinite[k] = b->n - m;
        const size_t at = (size_t)i * (size_t)r->n_out + (size_t)k;
        pb_status st = pb_spearman(xs, ys, m, &r->rho[at], &r->rho_lo[at], &r->rho_hi[at]);
        if (st != PB_OK) return st;
    }
    return PB_OK;
}

/* The share of the sum of squared deviations from the mean of a[na] and
 * b[nb] together held by the PB_SENS_TOP largest (model.md §10.4). */
static double top_share(const double *a, int64_t na, const double *b, int64_t nb)
{
    const int64_t n = na + nb;
    if (n < 2) return NAN;
    double mean = 0, top[PB_SENS_TOP] = {0}, total = 0;
    for (int64_t i = 0; i < n; i++) mean += i < na ? a[i] : b[i - na];
    mean /= (double)n;
    for (int64_t i = 0; i < n; i++) {
        const double d = (i < na ? a[i] : b[i - na]) - mean, q = d * d;
        total += q;
        if (q <= top[PB_SENS_TOP - 1]) continue;
        int j = PB_SENS_TOP - 1;
        for (; j > 0 && top[j - 1] < q; j--) top[j] = top[j - 1];
        top[j] = q;
    }
    double held = 0;
    for (int j = 0; j < PB_SENS_TOP; j++) held += top[j];
    return total > 0 ? held / total : 0;
}

bool pb_sens_heavy(const pb_sens_result *r, int k)
{
    return r->var_top && r->var_top[k] > PB_SENS_TOP_WARN && r->var_n[k] >= PB_SENS_TOP_MIN;
}

/* Sobol indices of output k over the pairs j whose d + 2 values are all
 * finite (the others are dropped and counted, model.md §10). */
static pb_status sobol_output(const base_sample *b, pb_sens_result *r, int k, double *ya, double *yb, double *yab)
{
    const int d = r->n_factors;
    const int64_t N = b->n;
    const double *y = b->y + (size_t)k * (size_t)b->total;
    int64_t m = 0;
    for (int64_t j = 0; j < N; j++) {
        bool fin = true;
        for (int blk = 0; blk < d + 2 && fin; blk++) fin = isfinite(y[blk * N + j]);
        if (!fin) continue;
        ya[m] = y[j], yb[m] = y[N + j];
        for (int i = 0; i < d; i++) yab[(size_t)i * (size_t)N + (size_t)m] = y[(2 + i) * N + j];
        m++;
    }
    /* pb_sobol wants yab[i * m + k]: close the gaps left by dropped pairs. */
    for (int i = 1; m < N && i < d; i++) memmove(yab + (size_t)i * (size_t)m, yab + (size_t)i * (size_t)N, (size_t)m * sizeof *yab);
    r->s_used[k] = m;
    r->s_nonfinite[k] = N - m;
    double s[d], slo[d], shi[d], st_[d], stlo[d], sthi[d];
    pb_sobol_result res = {s, slo, shi, st_, stlo, sthi, NAN};
    if (m < 2) {
        for (int i = 0; i < d; i++) s[i] = slo[i] = shi[i] = st_[i] = stlo[i] = sthi[i] = NAN;
    } else {
        pb_status st = pb_sobol(ya, yb, yab, d, m, &res);
        if (st != PB_OK) return st;
    }
    r->s_var[k] = res.var_y;
    r->var_top[k] = top_share(ya, m, yb, m);
    r->var_n[k] = 2 * m;
    for (int i = 0; i < d; i++) {
        const size_t at = (size_t)i * (size_t)r->n_out + (size_t)k;
        r->s[at] = s[i], r->s_lo[at] = slo[i], r->s_hi[at] = shi[i];
        r->st[at] = st_[i], r->st_lo[at] = stlo[i], r->st_hi[at] = sthi[i];
    }
    return PB_OK;
}

static pb_status base_alloc(pb_sens_result *r, const pb_sens_opts *o, base_sample *b, const pb_sampler *s)
{
    const int K = o->n_out, d = r->n_factors;
    const size_t nk = (size_t)(r->n_factors + 1) * (size_t)K;
    if (o->methods & PB_SENS_RANK) {
        r->rf = malloc((size_t)(d + 1) * sizeof *r->rf);
        if (!r->rf) return pb_raise(PB_ENOMEM, NULL, "out of memory");
        for (int f = 0; f < d; f++)
            if (pb_sampler_factor(s, f)->kind == PB_FACTOR_PARAM) r->rf[r->nr++] = f;
        r->rho = malloc(nk * sizeof(double)), r->rho_lo = malloc(nk * sizeof(double)), r->rho_hi = malloc(nk * sizeof(double));
        r->r_used = calloc((size_t)K, sizeof(int64_t)), r->r_nonfinite = calloc((size_t)K, sizeof(int64_t));
        b->x = malloc((size_t)(r->nr + 1) * (size_t)b->n * sizeof *b->x);
        if (!r->rho || !r->rho_lo || !r->rho_hi || !r->r_used || !r->r_nonfinite || !b->x)
            return pb_raise(PB_ENOMEM, NULL, "out of memory");
    }
    if (o->methods & PB_SENS_SOBOL) {
        double **a[] = {&r->s, &r->s_lo, &r->s_hi, &r->st, &r->st_lo, &r->st_hi};
        for (size_t i = 0; i < sizeof a / sizeof a[0]; i++)
            if (!(*a[i] = malloc(nk * sizeof(double)))) return pb_raise(PB_ENOMEM, NULL, "out of memory");
        r->s_var = malloc((size_t)K * sizeof(double));
        r->s_used = calloc((size_t)K, sizeof(int64_t)), r->s_nonfinite = calloc((size_t)K, sizeof(int64_t));
        if (!r->s_var || !r->s_used || !r->s_nonfinite) return pb_raise(PB_ENOMEM, NULL, "out of memory");
    }
    b->y = malloc((size_t)K * (size_t)b->total * sizeof *b->y);
    return b->y ? PB_OK : pb_raise(PB_ENOMEM, NULL, "cannot allocate %lld outputs", (long long)b->total * K);
}

/* Rank and Sobol from one base sample. */
static pb_status base_methods(const pb_scenario *sc, const pb_sampler *s, const pb_sens_opts *o, pb_sens_result *r)
{
    const bool sobol = o->methods & PB_SENS_SOBOL;
    base_sample b = {sc, s, o, o->n, o->n * (sobol ? r->n_factors + 2 : 1), NULL, NULL, r};
    double *buf = NULL;
    pb_status st = base_alloc(r, o, &b, s);
    if (st == PB_OK) {
        if (o->progress) fprintf(stderr, "sensitivity: %lld paths (rank%s)\n", (long long)b.total, sobol ? ", sobol" : "");
        st = base_run(&b);
        r->paths += b.total;
    }
    /* Scratch for either estimator: 2 N, or N (d + 2) for Sobol. */
    if (st == PB_OK && !(buf = malloc((size_t)b.n * (size_t)(r->n_factors + 2) * sizeof *buf)))
        st = pb_raise(PB_ENOMEM, NULL, "out of memory");
    for (int k = 0; st == PB_OK && k < o->n_out; k++) {
        if (o->methods & PB_SENS_RANK) st = rank_output(&b, r, k, buf, buf + b.n);
        if (st == PB_OK && sobol) st = sobol_output(&b, r, k, buf, buf + b.n, buf + 2 * b.n);
    }
    free(buf), free(b.y), free(b.x);
    return st;
}

/* ------------------------------------------------------------------ */
/* Shapley (model.md §10.4)                                             */

/* pb_shapley's evaluations are numbered inner = 0 .. n_eval-1 (indices.h):
 * the first pass simulates each and keeps every output at its number; a
 * pass per output then replays them, so that every output has the same
 * paths and each path runs once. */
typedef struct {
    const pb_scenario *sc;
    const pb_sampler *s;
    const pb_sens_opts *o;
    thread_ws *w;          /* [threads] */
    int64_t n_eval;
    double *y;             /* [n_out * n_eval] */
    int k;                 /* the output of a replay pass */
    int *status;           /* [threads]: the worst failure of a thread's evaluations */
} shapley_ctx;

static double shapley_sim(void *ctx, int tid, const unsigned char *mask, int64_t outer, int64_t inner)
{
    shapley_ctx *c = ctx;
    thread_ws *w = &c->w[tid];
    pb_status st = inner < 0 || inner >= c->n_eval ? PB_EINTERNAL : PB_OK;
    /* outer = -1: an independent path (every factor resampled). */
    if (st == PB_OK)
        st = pb_draw_path_cond(c->s, c->o->seed, outer < 0 ? 0 : (uint64_t)outer, mask, (uint64_t)inner, w->r, w->in, NULL);
    if (st != PB_OK) {
        if ((int)st > c->status[tid]) c->status[tid] = (int)st;
        return 0.0;
    }
    pb_path_out out;
    pb_path_simulate(w->in, w->ws, &out);
    outputs_of(c->o, &out, c->sc->n_years, c->y + inner, (size_t)c->n_eval);
    return 0.0; /* this pass only records: the estimates come from the replays */
}

static double shapley_replay(void *ctx, int tid, const unsigned char *mask, int64_t outer, int64_t inner)
{
    (void)tid, (void)mask, (void)outer;
    const shapley_ctx *c = ctx;
    return c->y[(size_t)c->k * (size_t)c->n_eval + (size_t)inner];
}

static pb_status shapley_alloc(pb_sens_result *r, const pb_sens_opts *o, shapley_ctx *c)
{
    const size_t nk = (size_t)(r->n_factors + 1) * (size_t)o->n_out;
    r->sh = malloc(nk * sizeof(double)), r->sh_lo = malloc(nk * sizeof(double)), r->sh_hi = malloc(nk * sizeof(double));
    r->sh_var = malloc((size_t)o->n_out * sizeof(double));
    c->w = calloc((size_t)o->threads, sizeof *c->w);
    c->status = calloc((size_t)o->threads, sizeof *c->status);
    c->y = malloc((size_t)o->n_out * (size_t)c->n_eval * sizeof *c->y);
    if (!r->sh || !r->sh_lo || !r->sh_hi || !r->sh_var || !c->w || !c->status || !c->y)
        return pb_raise(PB_ENOMEM, NULL, "cannot allocate Shapley's %lld evaluations", (long long)c->n_eval);
    for (int t = 0; t < o->threads; t++)
        if (!thread_ws_alloc(&c->w[t], c->s, c->sc->n_years)) return pb_raise(PB_ENOMEM, NULL, "out of memory");
    return PB_OK;
}

/* Every output's Y must be finite (pb_shapley has no way to leave an
 * evaluation out): the count of those that are not, per output. */
static pb_status shapley_finite(const shapley_ctx *c)
{
    for (int k = 0; k < c->o->n_out; k++) {
        int64_t bad = 0;
        for (int64_t t = 0; t < c->n_eval; t++) bad += !isfinite(c->y[(size_t)k * (size_t)c->n_eval + (size_t)t]);
        if (bad)
            return pb_raise(PB_EINPUT, NULL, "shapley: output %s is not finite on %lld of %lld paths (non-finite paths, "
                            "or an IRR that is none or multiple); Shapley effects need every Y (model.md §10.4): "
                            "leave this output to --method tornado,rank", c->o->out[k].text, (long long)bad,
                            (long long)c->n_eval);
    }
    return PB_OK;
}

static pb_status shapley(const pb_scenario *sc, const pb_sampler *s, const pb_sens_opts *o, pb_sens_result *r)
{
    const int d = r->n_factors;
    pb_shapley_opts so;
    pb_shapley_defaults(&so);
    so.exact = d <= PB_SHAPLEY_EXACT_MAX;
    so.orders = o->orders;
    so.n_outer = so.exact ? o->n : 1; /* exact: N outer samples shared by every subset */
    so.n_var = o->n;
    so.threads = o->threads;
    r->sh_exact = so.exact;
    r->sh_outer = so.n_outer;
    const double sets = so.exact ? (double)((1 << d) - 2) : (double)so.orders * (d - 1);
    const double evals = (double)so.n_var + sets * (double)so.n_outer * (double)so.n_inner;
    if (evals > 1e11) return pb_raise(PB_EUSAGE, NULL, "shapley: %.3g paths; lower -n or --orders", evals);
    shapley_ctx c = {sc, s, o, NULL, (int64_t)evals, NULL, 0, NULL};
    pb_status st = shapley_alloc(r, o, &c);
    double dummy[d], dlo[d], dhi[d];
    pb_shapley_result res = {dummy, dlo, dhi, NAN};
    if (st == PB_OK && o->progress) fprintf(stderr, "sensitivity: %lld paths (shapley)\n", (long long)c.n_eval);
    if (st == PB_OK) st = pb_shapley(d, shapley_sim, &c, &so, &res);
    for (int t = 0; st == PB_OK && t < o->threads; t++)
        if (c.status[t] != PB_OK) st = pb_raise((pb_status)c.status[t], NULL, "shapley: a conditional draw failed");
    if (st == PB_OK) st = shapley_finite(&c);
    r->sh_evals = c.n_eval;
    r->paths += st == PB_OK ? c.n_eval : 0;
    for (c.k = 0; st == PB_OK && c.k < o->n_out; c.k++) {
        if ((st = pb_shapley(d, shapley_replay, &c, &so, &res)) != PB_OK) break;
        r->sh_var[c.k] = res.var_y;
        /* The N_v independent paths are evaluations 0 .. N_v-1 (indices.h). */
        const double top = top_share(c.y + (size_t)c.k * (size_t)c.n_eval, so.n_var, NULL, 0);
        if (!(r->var_top[c.k] >= top)) r->var_top[c.k] = top, r->var_n[c.k] = so.n_var;
        for (int i = 0; i < d; i++) {
            const size_t at = (size_t)i * (size_t)o->n_out + (size_t)c.k;
            r->sh[at] = dummy[i], r->sh_lo[at] = dlo[i], r->sh_hi[at] = dhi[i];
        }
    }
    for (int t = 0; c.w && t < o->threads; t++) thread_ws_free(&c.w[t]);
    free(c.w), free(c.status), free(c.y);
    return st;
}

/* ------------------------------------------------------------------ */

pb_status pb_sensitivity(const pb_scenario *sc, const pb_sens_opts *o, pb_sens_result *r)
{
    memset(r, 0, sizeof *r);
    r->n_out = o->n_out;
    pb_status st = pb_sens_check(sc, o);
    if (st != PB_OK) return st;
    pb_sampler *s = pb_sampler_alloc(sc, o->threads, &st);
    if (!s) return st;
    r->n_factors = pb_sampler_n_factors(s);
    r->names = calloc((size_t)r->n_factors + 1, sizeof *r->names);
    r->var_top = malloc(((size_t)o->n_out + 1) * sizeof *r->var_top);
    r->var_n = calloc((size_t)o->n_out + 1, sizeof *r->var_n);
    if (!r->names || !r->var_top || !r->var_n) st = pb_raise(PB_ENOMEM, NULL, "out of memory");
    for (int k = 0; st == PB_OK && k < o->n_out; k++) r->var_top[k] = NAN;
    for (int f = 0; st == PB_OK && f < r->n_factors; f++)
        snprintf(r->names[f], sizeof r->names[f], "%s", pb_sampler_factor(s, f)->name);
    if (st == PB_OK && (o->methods & PB_SENS_TORNADO)) st = tornado(sc, s, o, r);
    if (st == PB_OK && (o->methods & (PB_SENS_RANK | PB_SENS_SOBOL))) st = base_methods(sc, s, o, r);
    if (st == PB_OK && (o->methods & PB_SENS_SHAPLEY)) st = shapley(sc, s, o, r);
    pb_sampler_free(s);
    return st;
}

void pb_sens_result_clear(pb_sens_result *r)
{
    void *p[] = {r->names, r->tf, r->t_low, r->t_high, r->y_low, r->y_high, r->swing, r->rf, r->rho, r->rho_lo,
                 r->rho_hi, r->r_used, r->r_nonfinite, r->s, r->s_lo, r->s_hi, r->st, r->st_lo, r->st_hi, r->s_var,
                 r->s_used, r->s_nonfinite, r->sh, r->sh_lo, r->sh_hi, r->sh_var, r->var_top, r->var_n};
    for (size_t i = 0; i < sizeof p / sizeof p[0]; i++) free(p[i]);
    memset(r, 0, sizeof *r);
}
